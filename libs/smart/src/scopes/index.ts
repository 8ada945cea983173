export * from './smart-scopes';
