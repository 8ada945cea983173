export * from './job-envelope';
export * from './queue.constants';
export * from './queue.module';
export * from './queue.service';
export * from './redis.service';
export * from './worker-host';
export * from './processing-loop';
