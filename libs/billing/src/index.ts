export * from './rating';
export * from './documents';
export * from './plans';
export * from './invoices';
export * from './adjustments';
export * from './alerts';
export * from './reports';
