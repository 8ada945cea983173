export * from './smart-access';
