import { ErrorCode } from '@sb/core';
import { OutboundReason } from '@sb/net';

/**
 * Errors a token endpoint returns (RFC 6749 §5.2, and `invalid_client` for a refused
 * JWT client assertion per RFC 7523 §3.2); the access-token step reports them as its code.
 */
export const OAUTH_TOKEN_ERRORS = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'] as const;

const OAUTH_HINTS: Record<(typeof OAUTH_TOKEN_ERRORS)[number], string> = {
  invalid_request: 'The token endpoint did not understand the request: check that the token URL is the hospital’s backend-services token endpoint, not an authorize or user-login URL.',
  invalid_client:
    'The hospital does not trust this client yet: check the client ID and the JWKS URL (or client secret) registered with it; a newly registered key can take a while to sync, and a non-production and a production client ID are different.',
  invalid_grant: 'The client assertion was refused: check that the server clock is right and that the token URL set here is exactly the one the hospital expects as the assertion audience.',
  unauthorized_client: 'The client is known but may not use backend-services (client credentials) access: ask the hospital to enable system access for this app.',
  unsupported_grant_type: 'The token endpoint does not accept client credentials: the app is probably registered as a user-facing app; ask the hospital for a backend-services registration.',
  invalid_scope: 'The hospital refused the scopes asked for: remove scopes the app registration does not include, or ask the hospital to grant them.',
};

const OUTBOUND_HINTS: Record<OutboundReason, string> = {
  invalid_url: 'The URL is not valid: check for typos and that it starts with https://.',
  scheme_not_allowed: 'Only https:// URLs are allowed for this connection (http:// is allowed for sandbox connections only).',
  credentials_in_url: 'Remove the user name and password from the URL; credentials go in the client secret.',
  fragment_not_allowed: 'Remove the #… part from the URL.',
  host_not_allowed: 'The host is written in an unusual form (hex, octal or encoded IP): write the host name or a plain IP address.',
  target_not_allowed: 'The host is, or resolves to, a private or loopback address, which production connections may not reach; use the hospital’s public endpoint.',
  dns_failed: 'The host name does not resolve: check its spelling, and that it is resolvable from where Switchboard runs (not only inside the hospital’s VPN).',
  connect_failed: 'Nothing accepted the connection: check host and port, that the service is running, and that firewalls allow Switchboard’s outbound address (hospitals often allow-list it).',
  tls_failed: 'The TLS handshake failed: the certificate may be expired, self-signed or for another host name, or the server may not speak TLS on this port.',
  timeout: 'No answer in time: the server may be down or slow, or a firewall may be dropping traffic silently; try again, then check the network path.',
  too_large: 'The server’s answer was larger than allowed: check that the URL points at the FHIR endpoint and not at a web page or file.',
  invalid_response: 'The server answered with something that is not valid HTTP: check the port and that it is an HTTPS endpoint.',
  response_failed: 'The connection broke while the server was answering: try again; if it keeps happening, check proxies and load balancers in between.',
  aborted: 'The check was cancelled before it finished: run the test again.',
};

const INTERNAL_HINT = 'Something unexpected failed inside Switchboard: run the test again, and if it persists report it with the time of the test.';

/** Codes the test steps raise themselves (see connection-test.service.ts). */
const STEP_HINTS: Record<string, string> = {
  missing_fhir_base_url: 'Set the FHIR base URL the hospital gave you (it ends with the FHIR version path, e.g. …/api/FHIR/R4).',
  not_capability_statement: 'The FHIR base URL answers, but not with FHIR: check that it is the FHIR endpoint itself, not the vendor’s portal or documentation page.',
  no_authorization_endpoint: 'The EHR does not serve SMART App Launch at this FHIR base: ask the hospital for its launch-enabled base URL, or clear the SMART client id.',
  pkce_not_advertised: 'The EHR does not list S256 PKCE; the gateway always sends it: ask the hospital whether its authorization server checks PKCE.',
  missing_signing_key: 'Generate a signing key for this connection, then paste the JWKS URL into the hospital’s app registration.',
  missing_client_secret: 'Enter the client secret the hospital issued for this app; it is stored write-only and used only for token requests.',
  missing_mllp_endpoint: 'Set the site’s MLLP host and port to send orders and notes; a site that only sends to Switchboard needs none.',
  connect_failed: OUTBOUND_HINTS.connect_failed,
  dns_failed: OUTBOUND_HINTS.dns_failed,
  timeout: OUTBOUND_HINTS.timeout,
  internal_error: INTERNAL_HINT,
  test_incomplete: 'The test did not complete a single check: fill in the connection settings it needs and run it again.',
  // athenaOne (athena-connection-test.ts)
  missing_practice_id: 'Set the athenaOne practice id (the number in every API path, /v1/{practiceid}); the shared preview sandbox practice is 195900.',
  missing_client_id: 'Set the client ID of the athena app (from the athena Developer Portal; preview and production apps have different ones).',
  practice_not_found:
    'athena does not know this practice id (“Invalid practice”): check the number; a preview app reaches only preview practices (e.g. 195900), a production app only production ones.',
  practice_not_permitted:
    'The app is not granted this practice (“Incorrect permissions”): the practice has to enable your app in athena Marketplace (or athena has to grant it for preview) before it can be used.',
  unknown_department: 'A configured department id is not one of the practice’s departments: remove it, or ask the practice for the right id (see the department list).',
  malformed_response: 'The server answered in a shape athena does not use: check that the base URL is the athenaOne API host (e.g. https://api.platform.athenahealth.com), not a portal page.',
  change_feed_not_subscribed:
    'Nothing to do: once the connection is live, the change poller subscribes to the appointments feed; athena then takes a few minutes (up to 15 in preview) to activate it.',
  change_feed_partial: 'The appointments feed is subscribed for some events only: changes of the other kinds will not arrive as events; the change poller subscribes to all of them.',
  change_feed_pending: 'The subscription is made but athena has not activated it yet (up to 5 minutes in production, 15 in preview): events start once it is active; test again later.',
};

/** Gateway error codes a step can end with when a dependency (vault, key store, discovery) fails. */
const GATEWAY_HINTS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.DependencyUnavailable]: 'The server could not be reached or answered unusably: check the URL, that the server is up, and the network path from Switchboard.',
  [ErrorCode.ValidationFailed]: 'A URL set on the connection (or found by discovery) is not acceptable: check the FHIR base URL and token URL.',
  [ErrorCode.BadRequest]: 'A URL set on the connection is not acceptable: check the FHIR base URL and token URL.',
  [ErrorCode.Forbidden]: 'The credential running the test may not use this connection’s secrets or keys: run it with an admin credential.',
  [ErrorCode.NotFound]: 'Something the test needs is missing (a secret or a key): set it up on the connection and test again.',
  [ErrorCode.Conflict]: 'The connection is in a state the test cannot use (disabled, say): enable it and test again.',
  [ErrorCode.VendorError]: 'The hospital’s server returned an error: try again later; if it persists, contact the hospital’s integration team.',
  [ErrorCode.VendorTimeout]: OUTBOUND_HINTS.timeout,
  [ErrorCode.Internal]: INTERNAL_HINT,
};

/** Hints that depend on which step failed (the same code means different things in different steps). */
const STEP_SPECIFIC: Record<string, Record<string, string>> = {
  'smart-configuration': {
    [ErrorCode.DependencyUnavailable]:
      'The server does not publish a usable .well-known/smart-configuration under the FHIR base URL: check the base URL, or set the token URL by hand.',
  },
  token: {
    invalid_client: 'athena does not accept this client ID and secret: check both against the app in the athena Developer Portal; a preview and a production app have different credentials.',
    http_401: 'athena does not accept this client ID and secret: check both against the app in the athena Developer Portal; a preview and a production app have different credentials.',
    http_404: 'The token URL does not exist: clear it to use the default for the environment ({base}/oauth2/v1/token), or check it.',
    http_429: 'athena issues only a few new tokens a minute per app (5 in preview, 50 in production) and refuses the rest of the minute: wait a minute and test again.',
  },
  'practice-access': {
    http_403: 'athena is throttling the app’s requests: wait a little and test again.',
  },
};

const httpHint = (status: number, step: string): string => {
  if (status === 401 || status === 403) return 'The server refused an anonymous request: some hospitals protect /metadata; if the access-token step passes, this can be ignored.';
  if (status === 404) return step === 'access-token' ? 'The token URL does not exist: check it, or clear it so the test discovers it.' : 'Nothing at that address: check the FHIR base URL (including the version path, e.g. /R4).';
  if (status === 429) return 'The server is rate-limiting requests: wait a minute and test again.';
  if (status >= 500) return 'The hospital’s server failed: try again later; if it persists, contact the hospital’s integration team.';
  return 'The server answered with an unexpected HTTP status: check the URL.';
};

/** Every code with a fixed hint (for documentation and for the console's catalog). */
export const CONNECTION_TEST_HINTS: Readonly<Record<string, string>> = { ...GATEWAY_HINTS, ...OUTBOUND_HINTS, ...OAUTH_HINTS, ...STEP_HINTS };

/**
 * What to check when a connection test step fails with `code`: human text the console
 * shows under the failed step. Never null: an unknown code gets a generic hint.
 */
export function connectionTestHint(code: string, step = ''): string {
  const specific = STEP_SPECIFIC[step]?.[code];
  if (specific) return specific;
  const known = CONNECTION_TEST_HINTS[code];
  if (known) return known;
  const http = /^http_(\d{3})$/.exec(code);
  if (http) return httpHint(Number(http[1]), step);
  return step === 'access-token'
    ? 'The token endpoint refused the request with a code Switchboard does not know: compare the client ID, key or secret and scopes with the hospital’s app registration.'
    : 'The check failed: review the connection settings for this step and run the test again.';
}
