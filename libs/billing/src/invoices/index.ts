export * from './invoice-closer';
