import { randomBytes } from 'node:crypto';
import { isKmsError, type KmsError, type KmsErrorReason } from '../kms-error';
import type { WrapContext } from '../kms-provider';

/** Distinctive values so a leak into an error is easy to spot. */
export const newWrapContext = (overrides: Partial<WrapContext> = {}): WrapContext => ({
  tenantId: `tenant-${randomBytes(6).toString('hex')}`,
  connectionId: `connection-${randomBytes(6).toString('hex')}`,
  secretName: `secret-name-${randomBytes(6).toString('hex')}`,
  version: 3,
  ...overrides,
});

/** Awaits a rejection and checks it is a KmsError with the reason. */
export async function expectKmsError(promise: Promise<unknown>, reason: KmsErrorReason): Promise<KmsError> {
  const error: unknown = await promise.then(
    () => new Error('expected a KmsError, but the call succeeded'),
    (e: unknown) => e,
  );
  if (!isKmsError(error)) throw error;
  expect(error.reason).toBe(reason);
  return error;
}

/** No secret or context value, in any encoding, in anything an error renders. */
export function expectNoLeak(error: Error, secrets: (string | Buffer)[]): void {
  const rendered = [error.message, String(error), JSON.stringify((error as KmsError).details ?? {}), error.stack ?? ''].join('\n');
  for (const s of secrets) {
    const forms = typeof s === 'string' ? [s] : [s.toString('hex'), s.toString('base64'), s.toString('base64url')];
    for (const form of forms) expect(rendered).not.toContain(form);
  }
}
