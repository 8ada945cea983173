import { ErrorCode, SbError } from '@sb/core';
import { guardedFetch } from '@sb/net';
import { z } from 'zod';
import type { OutboundPolicy } from './outbound-policy';
import { validateConnectionUrl } from './outbound-policy';

const DISCOVERY_TIMEOUT_MS = 5_000;

/** The parts of a SMART configuration we use (https://hl7.org/fhir/smart-app-launch/conformance.html). */
const smartConfiguration = z.object({
  token_endpoint: z.string().min(1),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_signing_alg_values_supported: z.array(z.string()).optional(),
  authorization_endpoint: z.string().min(1).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
  capabilities: z.array(z.string()).optional(),
});

export interface Discovery {
  tokenUrl: string;
  authMethods: string[];
  signingAlgs: string[];
  /** SMART App Launch (user-facing): the EHR's authorize endpoint, PKCE methods and capabilities, when it serves the launch. */
  authorizeUrl: string | null;
  pkceMethods: string[];
  capabilities: string[];
}

/** Reads `<base>/.well-known/smart-configuration`; the token URL found is vetted like any other. */
export async function discoverTokenUrl(fhirBaseUrl: string, outbound: OutboundPolicy): Promise<Discovery> {
  const res = await guardedFetch(
    `${fhirBaseUrl}/.well-known/smart-configuration`,
    { headers: { accept: 'application/json' } },
    outbound.policy,
    { allowHttp: outbound.allowHttp, timeoutMs: DISCOVERY_TIMEOUT_MS, maxBodyBytes: 256 * 1024 },
  );
  if (res.status !== 200) throw new SbError(ErrorCode.DependencyUnavailable, 'SMART configuration not available', { details: { status: res.status } });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new SbError(ErrorCode.DependencyUnavailable, 'SMART configuration is not JSON');
  }
  const parsed = smartConfiguration.safeParse(body);
  if (!parsed.success) throw new SbError(ErrorCode.DependencyUnavailable, 'SMART configuration has no token_endpoint');
  return {
    tokenUrl: await validateConnectionUrl(parsed.data.token_endpoint, 'tokenUrl', outbound),
    authMethods: parsed.data.token_endpoint_auth_methods_supported ?? [],
    signingAlgs: parsed.data.token_endpoint_auth_signing_alg_values_supported ?? [],
    authorizeUrl: parsed.data.authorization_endpoint ?? null,
    pkceMethods: parsed.data.code_challenge_methods_supported ?? [],
    capabilities: parsed.data.capabilities ?? [],
  };
}
