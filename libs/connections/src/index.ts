export * from './connection-keys.service';
export * from './connection-test.service';
export * from './connection.schemas';
export * from './connection.service';
export * from './connections.module';
export * from './lifecycle';
export * from './outbound-policy';
export * from './sandbox-provisioner';
