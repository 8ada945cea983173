export { pemCertificateBlocks } from './certificate-expiry';
export * from './data-key-cache';
export * from './envelope';
export * from './fingerprint';
export * from './kek-rotation.service';
export * from './kms';
export * from './vault.constants';
export * from './vault.module';
export * from './vault.service';
