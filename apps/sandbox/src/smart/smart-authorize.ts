import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { SandboxState } from '../sandbox-state';
import { isS256Challenge } from './pkce';
import { defaultStandalonePatient, resolveLaunchContext, type LaunchContext } from './smart-context';
import { sameTarget, smartServer, type SmartTarget } from './smart-endpoints';
import { errorPage, formParams, redirectTo, withQuery } from './smart-http';
import type { AuthorizeLedgerEntry, LedgerResult } from './smart-ledger';
import { grantableScopes } from './smart-scopes';
import { CODE_TTL_MS } from './smart-simulator';

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

/** An absolute http(s) redirect URI without a fragment (RFC 6749 §3.1.2), or why not. */
function parseRedirectUri(value: string | undefined): URL | string {
  if (value === undefined || value === '') return 'redirect_uri is required';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'redirect_uri is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'redirect_uri must be an http or https URL';
  if (url.hash !== '' || value.includes('#')) return 'redirect_uri must not contain a fragment';
  return url;
}

/**
 * The authorization endpoint (GET and POST, SMART App Launch 2.2 §
 * "Obtain authorization code"): validates the request as smart-launcher-v2
 * does — response_type=code, client_id, a parseable redirect_uri, aud equal to
 * the FHIR base, PKCE S256 — then, for an EHR launch, the launch id (single
 * use, this server's, unexpired); a standalone launch with launch/patient gets
 * the preset patient. It signs in as the synthetic practitioner, approves
 * without a screen and redirects with a 60-second single-use code.
 */
export function handleAuthorize(state: SandboxState, target: SmartTarget, req: Request, res: Response): void {
  const server = smartServer(state, target);
  const smart = state.smart;
  const settings = smart.settingsOf(target.vendor);
  const params = formParams(req);
  const stateParam = params.get('state');
  const launchParam = params.get('launch');
  const entry: AuthorizeLedgerEntry = {
    at: new Date(state.now()).toISOString(),
    vendor: target.vendor,
    tenantId: target.vendor === 'oracle' ? target.tenantId : null,
    endpoint: 'authorize',
    method: req.method,
    responseType: params.get('response_type') ?? null,
    clientId: params.get('client_id') ?? null,
    redirectUri: params.get('redirect_uri') ?? null,
    aud: params.get('aud') ?? null,
    scope: params.get('scope') ?? null,
    launchKind: null,
    launch: { present: launchParam !== undefined, valid: null },
    statePresent: stateParam !== undefined,
    stateLength: stateParam?.length ?? null,
    codeChallengePresent: params.get('code_challenge') !== undefined,
    codeChallengeMethod: params.get('code_challenge_method') ?? null,
    noncePresent: params.get('nonce') !== undefined,
    result: { status: 0, outcome: 'error-page', error: null },
  };
  const finish = (result: LedgerResult): void => {
    entry.result = result;
    smart.ledger.record(entry);
  };
  const page = (status: number, error: string, description: string): void => {
    errorPage(res, status, error, description);
    finish({ status, outcome: 'error-page', error });
  };

  if (settings.error === 'upstream_down') return page(503, 'temporarily_unavailable', 'The authorization server is unavailable (simulated).');
  if (params.repeated.includes('client_id') || params.repeated.includes('redirect_uri')) return page(400, 'invalid_request', 'client_id and redirect_uri must each be sent once.');
  const clientId = params.get('client_id');
  if (clientId === undefined || clientId === '') return page(400, 'invalid_request', 'client_id is required.');
  const redirect = parseRedirectUri(params.get('redirect_uri'));
  if (typeof redirect === 'string') return page(400, 'invalid_request', `${redirect}.`);
  if (settings.error === 'auth_invalid_redirect_uri') return page(400, 'invalid_request', 'The redirect_uri is not registered for this client (simulated).');

  // From here on the client and its redirect URI are trusted enough to send errors back (RFC 6749 §4.1.2.1).
  const fail = (error: string, description: string): void => {
    redirectTo(res, withQuery(redirect, { error, error_description: description, ...(stateParam !== undefined ? { state: stateParam } : {}) }));
    finish({ status: 302, outcome: 'error-redirect', error });
  };
  if (params.repeated.length > 0) return fail('invalid_request', `Parameters must not be repeated: ${params.repeated.filter((p) => /^[a-z_]{1,40}$/.test(p)).join(', ')}.`);
  const responseType = params.get('response_type');
  if (responseType === undefined) return fail('invalid_request', 'response_type is required.');
  if (responseType !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.');
  if (settings.error === 'auth_invalid_client_id') return fail('invalid_client', 'The client_id is not registered with this server (simulated).');
  if (stateParam === undefined || stateParam === '') return fail('invalid_request', 'state is required.');
  const aud = params.get('aud');
  if (aud === undefined) return fail('invalid_request', `aud is required: the FHIR base URL, ${server.fhirBase}.`);
  if (trimSlash(aud) !== server.fhirBase) return fail('invalid_request', `aud must be this server's FHIR base URL, ${server.fhirBase}.`);
  const method = params.get('code_challenge_method');
  if (method === undefined) return fail('invalid_request', 'PKCE is required: send code_challenge and code_challenge_method=S256.');
  if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256 (plain is not supported).');
  const challenge = params.get('code_challenge');
  if (challenge === undefined || !isS256Challenge(challenge)) return fail('invalid_request', 'code_challenge must be the 43-character base64url SHA-256 of the code verifier.');
  if (settings.error === 'auth_invalid_scope') return fail('invalid_scope', 'The requested scope is not allowed for this client (simulated).');
  const scopes = grantableScopes(params.get('scope'));
  if (scopes.length === 0) return fail('invalid_scope', 'None of the requested scopes can be granted.');

  let context: LaunchContext;
  if (launchParam !== undefined) {
    entry.launchKind = 'ehr';
    const launch = smart.launches.peek(launchParam);
    const valid = launch.status === 'valid' && sameTarget(launch.value.target, target);
    entry.launch.valid = valid;
    if (!valid) return fail('invalid_request', 'launch is unknown, expired, already used or from another server.');
    context = launch.value.context;
  } else {
    entry.launchKind = 'standalone';
    const patient = scopes.includes('launch/patient') ? (settings.standalonePatient ?? defaultStandalonePatient(state, target.vendor)) : undefined;
    const resolved = resolveLaunchContext(state, target, patient);
    if (!resolved.ok) return fail('server_error', 'The preset standalone patient is not on this server.');
    context = resolved.context;
  }
  // The context a token conveys follows the scopes asked for (smart-launcher does the same).
  const wantsPatient = scopes.includes('launch') || scopes.includes('launch/patient');
  const wantsEncounter = scopes.includes('launch') || scopes.includes('launch/encounter');
  const granted: LaunchContext = {
    practitionerId: context.practitionerId,
    ...(wantsPatient && context.patient !== undefined ? { patient: context.patient } : {}),
    ...(wantsEncounter && context.encounter !== undefined ? { encounter: context.encounter } : {}),
  };

  if (launchParam !== undefined) smart.launches.redeem(launchParam);
  if (settings.error === 'access_denied') return fail('access_denied', 'The user declined to authorize the app (simulated).');
  const nonce = params.get('nonce');
  const code = smart.codes.issue(
    {
      target,
      sessionId: randomUUID(),
      clientId,
      // The token request must repeat it exactly as sent here.
      redirectUri: params.get('redirect_uri') as string,
      codeChallenge: challenge,
      scopes,
      context: granted,
      ...(nonce !== undefined ? { nonce } : {}),
    },
    CODE_TTL_MS,
  );
  redirectTo(res, withQuery(redirect, { code, state: stateParam }));
  finish({ status: 302, outcome: 'code', error: null });
}
