export * from './endpoints';
export * from './delivery';
