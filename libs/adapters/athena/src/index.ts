export * from './athena-ids';
