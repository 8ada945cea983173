/**
 * Probes that fail against the current api, each with what it returned and why it is not fixed
 * here. The suite keeps passing while they fail; a fixed one makes its probe fail until its entry
 * is removed. Keys are probe names exactly as the test titles show them (without "[known gap]").
 */

/** One entry per `what` under the same reason. */
const each = (category: string, whats: readonly string[], reason: string): Record<string, string> =>
  Object.fromEntries(whats.map((what) => [`[${category}] ${what}`, reason]));

const LOOPBACK = ['loopback 127.0.0.1', 'loopback [::1]', 'IPv4-mapped loopback [::ffff:127.0.0.1]', 'localhost (resolves to 127.0.0.1)'];
const ALL_TARGETS = [...LOOPBACK, 'private 10.0.0.1', 'private 192.168.1.10', 'metadata 169.254.169.254'];
const registered = (sink: string, targets: readonly string[]) => targets.map((t) => `${sink} → ${t}: refused when registered`);
const reached = (sink: string, targets: readonly string[]) => targets.map((t) => `${sink} → ${t}: refused, nothing reaches it`);

const MLLP = 'MLLP outbound host (POST /v1/connections, hl7v2 production)';
const SANDBOX = 'sandbox-environment connection fhirBaseUrl (POST /v1/connections, epic sandbox)';

export const KNOWN_GAPS: Readonly<Record<string, string>> = {
  ...each(
    'ssrf-registration',
    registered(MLLP, ALL_TARGETS),
    'mllpHost is stored unchecked (libs/connections/src/connection.schemas.ts: a string); only the connection test and the outbound dispatcher check the address at connect time (they do refuse: the [ssrf] probes pass)',
  ),
  ...each(
    'ssrf-registration',
    registered('OAuth client jwksUrl (POST /v1/oauth-clients, private_key_jwt)', ALL_TARGETS),
    'jwksUrl is stored after a syntax check only (libs/tenancy/src/tenancy.schemas.ts); it is guarded when fetched (libs/auth/src/client-assertion.ts, guardedFetch): the [ssrf] probes pass',
  ),
  ...each(
    'ssrf-registration',
    registered('SMART app jwksUrl (POST /v1/smart-apps, confidential)', ALL_TARGETS),
    'jwksUrl is stored after an https check only (libs/smart/src/apps/smart-apps.service.ts assertDeploymentUrls); it is guarded when fetched: the [ssrf] probes pass',
  ),
  ...each(
    'ssrf',
    reached(SANDBOX, LOOPBACK),
    'by design (README, Connections: "loopback and plain http only for sandbox connections") any tenant can create a sandbox-environment connection whose fhirBaseUrl is a loopback address and the connection test connects to it, in production mode too: the canary on 127.0.0.1 receives connections, so services bound to the gateway host\'s loopback are reachable',
  ),
  ...each(
    'ssrf-registration',
    registered(SANDBOX, LOOPBACK),
    'as above: sandbox-environment connections accept loopback URLs in production mode (outbound-policy.ts: allowLoopback for environment sandbox)',
  ),
};
