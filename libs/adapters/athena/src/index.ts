export * from './athena-ids';
export * from './athena-endpoints';
