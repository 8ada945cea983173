export * from './canonical-json';
export * from './pdf-writer';
export * from './invoice-pdf';
