import { KmsError } from './kms-error';
import type { WrapContext } from './kms-provider';

// The tag separates these bytes from any other use of the same KEK and lets the
// encoding evolve without old wrapped keys becoming ambiguous.
const ENCODING_TAG = 'sb.vault.wrap-context.v1';

/**
 * Canonical bytes of a context, used as AES-GCM AAD and as the Vault transit
 * derivation context. A JSON array of strings and an integer has exactly one
 * serialization, and quoting keeps one field from bleeding into the next
 * (`a|b` + `c` vs `a` + `b|c`).
 */
export function encodeWrapContext(context: WrapContext): Buffer {
  assertWrapContext(context);
  const fields = [ENCODING_TAG, context.tenantId, context.connectionId, context.secretName, context.version];
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

/** The context as a flat string map: the shape of an AWS KMS `EncryptionContext`. */
export function wrapContextToStringMap(context: WrapContext): Record<string, string> {
  assertWrapContext(context);
  return {
    tenantId: context.tenantId,
    connectionId: context.connectionId,
    secretName: context.secretName,
    version: String(context.version),
  };
}

function assertWrapContext(context: WrapContext): void {
  const { tenantId, connectionId, secretName, version } = context;
  const strings = [tenantId, connectionId, secretName];
  if (strings.some((s) => typeof s !== 'string' || s.length === 0) || !Number.isSafeInteger(version) || version < 0) {
    throw new KmsError('invalid_input');
  }
}
