export * from './oracle.adapter';
