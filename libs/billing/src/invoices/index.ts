export * from './billing-summary-export';
export * from './invoice-closer';
export * from './invoice-document';
export * from './invoice.service';
export * from './period-quantities';
export * from './preview.service';
