/**
 * What to check when a connection test step fails, keyed by the step's error
 * code (libs/connections/src/connection-test.service.ts: its own codes, the
 * token endpoint's OAuth `error`, `http_<status>`, and the outbound guard's
 * reasons from libs/net).
 */
const HINTS: Record<string, string> = {
  invalid_client:
    'The hospital does not trust this client yet: check the client ID and the JWKS URL registered with it; a newly registered key can take a while to sync.',
  unauthorized_client: 'The client exists but may not use the client-credentials grant: ask the hospital to enable backend (system) access for the app.',
  invalid_scope: 'The hospital refused a scope: pick only capabilities the app registration at the hospital grants, or ask them to add the missing ones.',
  invalid_grant: 'The signed client assertion was refused: check that the key in the JWKS URL is the active one and that this server’s clock is right.',
  invalid_request: 'The token endpoint rejected the request’s shape: check the token URL (leave it empty to discover it) and the client ID.',
  missing_signing_key: 'There is no signing key yet: generate one below, then register the JWKS URL with the hospital.',
  missing_client_secret: 'No client secret is stored: enter the secret the hospital issued for this client.',
  missing_fhir_base_url: 'Set the hospital’s FHIR base URL (it ends in /R4 or /api/FHIR/R4 for most EHRs).',
  missing_mllp_endpoint: 'Set the MLLP host and port the hospital’s interface engine listens on (inbound-only sites need none).',
  dependency_unavailable:
    'The FHIR server does not publish SMART discovery (.well-known/smart-configuration): check the FHIR base URL, or set the token URL by hand.',
  not_capability_statement: 'GET /metadata did not return a CapabilityStatement: the FHIR base URL probably points at the wrong path.',
  http_401: 'The server asked for credentials where none were expected: check the FHIR base URL points at the FHIR endpoint itself.',
  http_403: 'The server refused access: the hospital may block this server’s IP address; ask them to allow it.',
  http_404: 'Nothing answers at this address: check the FHIR base URL (often it ends in /R4).',
  dns_failed: 'The host name does not resolve: check it for typos, or ask the hospital for the public host name.',
  connect_failed: 'Nothing accepted the connection: check the host and port, and that the hospital’s firewall allows this server.',
  tls_failed: 'The TLS handshake failed: check whether the endpoint really uses TLS and that its certificate is valid.',
  timeout: 'No answer in time: the server may be down, or a firewall drops the traffic silently.',
  target_not_allowed: 'This deployment does not allow connections to that address (private, loopback or cloud-metadata addresses are blocked in production).',
  scheme_not_allowed: 'Only https:// URLs are allowed for production connections.',
  invalid_url: 'The URL is not valid: check it for typos.',
  host_not_allowed: 'The host is written in a form that is not allowed (an encoded IP address): use its normal name or address.',
  credentials_in_url: 'Remove the user name and password from the URL: credentials belong in the client settings.',
  too_large: 'The server answered with more data than allowed: check that the URL points at the FHIR endpoint.',
  invalid_response: 'The server answered with something that is not valid HTTP: check the port and whether it expects TLS.',
  response_failed: 'The connection broke while the answer was arriving: try again; if it persists, ask the hospital to check their proxy.',
  test_incomplete: 'No step could run: fill in the settings the test needs and run it again.',
  internal_error: 'Switchboard hit an unexpected error: try again, and report it with the time of the test if it persists.',
};

/** A human hint for a failed step's code; undefined when the catalog has none. */
export function hintFor(code: string | undefined): string | undefined {
  if (!code) return undefined;
  const known = HINTS[code];
  if (known) return known;
  const status = /^http_(\d{3})$/.exec(code)?.[1];
  if (status && status.startsWith('5')) return `The server answered with an error (HTTP ${status}): it may be down or overloaded; try again later.`;
  if (status) return `The server answered HTTP ${status}: check the URL and the client settings.`;
  return undefined;
}
