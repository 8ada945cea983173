export * from './problem';
export * from './problem.filter';
export * from './zod-body';
export * from './id-param';
