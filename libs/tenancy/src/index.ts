export * from './api-key.service';
export * from './console-users.service';
export * from './grantable-scopes';
export * from './oauth-client.service';
export * from './operator-users.service';
export * from './tenancy.module';
export * from './tenancy.schemas';
export * from './tenant.service';
