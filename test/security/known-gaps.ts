/**
 * Probes that fail against the current api, each with what it returned and why it is not fixed
 * here. The suite keeps passing while they fail; a fixed one makes its probe fail until its entry
 * is removed. Keys are probe names exactly as the test titles show them (without "[known gap]").
 */

/** One entry per `what` under the same reason. */
const each = (category: string, whats: readonly string[], reason: string): Record<string, string> =>
  Object.fromEntries(whats.map((what) => [`[${category}] ${what}`, reason]));

const API_ROUTES = ['GET /health', 'GET /v1/connections', 'GET /v1/connections (401)', 'GET /fhir/r4/{connectionId}/metadata', 'POST /graphql', 'GET /openapi.json'];
const CONSOLE_ROUTES = ['GET /console', 'GET /console/connections'];
const LOOPBACK = ['loopback 127.0.0.1', 'loopback [::1]', 'IPv4-mapped loopback [::ffff:127.0.0.1]', 'localhost (resolves to 127.0.0.1)'];
const ALL_TARGETS = [...LOOPBACK, 'private 10.0.0.1', 'private 192.168.1.10', 'metadata 169.254.169.254'];
const registered = (sink: string, targets: readonly string[]) => targets.map((t) => `${sink} → ${t}: refused when registered`);
const reached = (sink: string, targets: readonly string[]) => targets.map((t) => `${sink} → ${t}: refused, nothing reaches it`);

const MLLP = 'MLLP outbound host (POST /v1/connections, hl7v2 production)';
const SANDBOX = 'sandbox-environment connection fhirBaseUrl (POST /v1/connections, epic sandbox)';

export const KNOWN_GAPS: Readonly<Record<string, string>> = {
  ...each(
    'headers',
    [...API_ROUTES, 'GET /console'].map((r) => `${r}: X-Content-Type-Options: nosniff`),
    'no nosniff outside the console static files (apps/api/src/console/console-static.ts sets it there only; GET /console is answered by ConsoleIndexController, without it): a global header middleware in create-api-app.ts is needed',
  ),
  ...each(
    'headers',
    [...API_ROUTES, ...CONSOLE_ROUTES].map((r) => `${r}: Strict-Transport-Security over https (X-Forwarded-Proto)`),
    "no HSTS anywhere; the api runs with `trust proxy` false (create-api-app.ts), so it cannot tell a TLS-terminated request from plain http: needs a trust-proxy setting and an HSTS header (or HSTS documented as the proxy's job, deploy/nginx.conf)",
  ),
  ...each(
    'headers',
    CONSOLE_ROUTES.map((r) => `${r}: strict Content-Security-Policy on the console's HTML`),
    "the console's index.html is served with no Content-Security-Policy (nor X-Frame-Options / frame-ancestors): console-static.ts and ConsoleIndexController set only Cache-Control, nosniff and Referrer-Policy",
  ),
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
    reached(MLLP, ['loopback [::1]', 'IPv4-mapped loopback [::ffff:127.0.0.1]']),
    'an IPv6-literal mllpHost makes the connection test step fail with internal_error ("unexpected error"): connection-test.service.ts builds `new URL(`tcp://${host}`)`, which throws for an unbracketed IPv6 address; nothing is reached, but the refusal is a crash, not target_not_allowed, and an IPv6 MLLP peer can never be tested',
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
  ...each(
    'errors',
    ['POST /graphql with variables of the wrong shape answers 400 BAD_USER_INPUT, not 500'],
    'HTTP 500 with extensions.code INTERNAL_SERVER_ERROR: the complexity plugin (apps/api/src/graphql/graphql-options.ts) calls getComplexity in didResolveOperation, which rethrows the variable-coercion error without an http status, before Apollo\'s own 400 BAD_USER_INPUT; a client error reported as a server error',
  ),
};
