export * from './access.decorators';
export * from './auth.module';
export * from './authentication.service';
export * from './client-assertion';
export * from './credentials';
export * from './gateway-keys.service';
export * from './token.service';
export { open, seal } from './sealed-box';
