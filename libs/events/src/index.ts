export * from './event-catalog';
export * from './event-writer';
export * from './events.module';
