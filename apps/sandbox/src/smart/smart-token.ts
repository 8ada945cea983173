import type { Request, Response } from 'express';
import type { SandboxState } from '../sandbox-state';
import { verifierMatches } from './pkce';
import { sameTarget, smartServer, type SmartServer, type SmartTarget } from './smart-endpoints';
import { clientAuthentication, formParams, NO_STORE, oauthError, type FormParams } from './smart-http';
import type { LedgerResult, TokenLedgerEntry } from './smart-ledger';
import { refreshKind } from './smart-scopes';
import { OFFLINE_REFRESH_TTL_MS, ONLINE_REFRESH_TTL_MS, type IssuedCode, type RefreshGrant } from './smart-simulator';

/** The grants this module answers at a vendor's token endpoint; client_credentials stays with the vendor's own handler. */
export const SMART_GRANT_TYPES: ReadonlySet<string> = new Set(['authorization_code', 'refresh_token']);

type Session = Pick<IssuedCode, 'target' | 'sessionId' | 'clientId' | 'scopes' | 'context' | 'nonce'>;

/**
 * The token endpoint's SMART App Launch grants (RFC 6749 §4.1.3 and §6):
 * authorization_code with the PKCE verifier, and refresh_token with rotation.
 * Errors are RFC 6749 §5.2 JSON: 401 invalid_client when client
 * authentication fails, 400 otherwise.
 */
export async function handleSmartToken(state: SandboxState, target: SmartTarget, req: Request, res: Response): Promise<void> {
  const server = smartServer(state, target);
  const smart = state.smart;
  const settings = smart.settingsOf(target.vendor);
  const form = formParams(req);
  const grantType = form.get('grant_type');
  const auth = clientAuthentication(req, form);
  const entry: TokenLedgerEntry = {
    at: new Date(state.now()).toISOString(),
    vendor: target.vendor,
    tenantId: target.vendor === 'oracle' ? target.tenantId : null,
    endpoint: 'token',
    method: req.method,
    grantType: grantType ?? null,
    clientId: auth.kind === 'basic' || auth.kind === 'client_id' ? auth.clientId : null,
    clientAuth: auth.kind === 'basic' ? 'basic' : auth.kind === 'client_id' ? 'client_id' : 'none',
    redirectUri: form.get('redirect_uri') ?? null,
    scope: form.get('scope') ?? null,
    code: { present: form.get('code') !== undefined, valid: null },
    codeVerifier: { present: form.get('code_verifier') !== undefined, valid: null },
    refreshToken: { present: form.get('refresh_token') !== undefined, valid: null },
    result: { status: 0, outcome: 'error', error: null },
  };
  const finish = (result: LedgerResult): void => {
    entry.result = result;
    smart.ledger.record(entry);
  };
  const fail = (status: 400 | 401 | 503, error: string, description: string): void => {
    // RFC 6749 §5.2: a client that tried the Authorization header gets a challenge back.
    const triedBasic = /^Basic\b/i.test(req.headers.authorization ?? '');
    oauthError(res, status, error, description, status === 401 && triedBasic ? { 'www-authenticate': 'Basic realm="smart"' } : {});
    finish({ status, outcome: 'error', error });
  };

  if (settings.error === 'upstream_down') return fail(503, 'temporarily_unavailable', 'The authorization server is unavailable (simulated).');
  if (form.repeated.length > 0) return fail(400, 'invalid_request', 'Parameters must not be repeated.');
  if (auth.kind === 'malformed') return fail(401, 'invalid_client', auth.description);
  if (auth.kind === 'none') return fail(401, 'invalid_client', 'Client authentication failed: send client_id (public clients) or HTTP Basic credentials (confidential clients).');
  if (settings.error === 'auth_invalid_client_secret') return fail(401, 'invalid_client', 'The client secret is not valid (simulated).');
  const clientId = auth.clientId;

  let session: Session;
  let previous: RefreshGrant | undefined;
  if (grantType === 'authorization_code') {
    const code = form.get('code');
    if (code === undefined || code === '') return fail(400, 'invalid_request', 'code is required.');
    const found = smart.codes.redeem(code);
    if (found.status === 'spent') {
      // RFC 6749 §4.1.2: a replayed code revokes what it was already exchanged for.
      smart.revokeSession(found.value.sessionId);
    }
    entry.code.valid = found.status === 'valid' && sameTarget(found.value.target, target);
    if (found.status !== 'valid' || !entry.code.valid) return fail(400, 'invalid_grant', 'The authorization code is unknown, expired, already used or from another server.');
    const issued = found.value;
    if (settings.error === 'token_invalid_token') return fail(400, 'invalid_grant', 'The authorization code is not valid (simulated).');
    if (issued.clientId !== clientId) return fail(400, 'invalid_grant', 'The authorization code was issued to another client.');
    const redirectUri = form.get('redirect_uri');
    if (redirectUri === undefined) return fail(400, 'invalid_request', 'redirect_uri is required (the one sent to the authorization endpoint).');
    if (redirectUri !== issued.redirectUri) return fail(400, 'invalid_grant', 'redirect_uri differs from the one sent to the authorization endpoint.');
    const verifier = form.get('code_verifier');
    entry.codeVerifier.valid = verifier !== undefined && verifierMatches(verifier, issued.codeChallenge);
    if (!entry.codeVerifier.valid) return fail(400, 'invalid_grant', verifier === undefined ? 'code_verifier is required (PKCE).' : 'code_verifier does not match the code_challenge (PKCE S256).');
    if (settings.error === 'token_invalid_scope') return fail(400, 'invalid_scope', 'The granted scope is not valid (simulated).');
    session = issued;
  } else if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token');
    if (refreshToken === undefined || refreshToken === '') return fail(400, 'invalid_request', 'refresh_token is required.');
    const found = smart.refreshTokens.peek(refreshToken);
    entry.refreshToken.valid = found.status === 'valid' && sameTarget(found.value.target, target) && found.value.clientId === clientId;
    if (found.status !== 'valid' || !entry.refreshToken.valid) return fail(400, 'invalid_grant', 'The refresh token is unknown, expired, already used, or was issued to another client or server.');
    if (settings.error === 'token_expired_refresh_token') {
      // As if its lifetime ran out: it stays dead once the switch is cleared.
      smart.refreshTokens.forget(refreshToken);
      entry.refreshToken.valid = false;
      return fail(400, 'invalid_grant', 'The refresh token has expired (simulated).');
    }
    if (settings.error === 'token_invalid_token') return fail(400, 'invalid_grant', 'The refresh token is not valid (simulated).');
    const narrowed = narrowScopes(form, found.value.scopes);
    if (narrowed === undefined) return fail(400, 'invalid_scope', 'scope may only narrow what was originally granted.');
    if (settings.error === 'token_invalid_scope') return fail(400, 'invalid_scope', 'The granted scope is not valid (simulated).');
    // Rotation: the old refresh token is rejected from now on.
    smart.refreshTokens.forget(refreshToken);
    previous = found.value;
    session = { ...found.value, scopes: narrowed };
  } else {
    return fail(400, grantType === undefined ? 'invalid_request' : 'unsupported_grant_type', 'grant_type must be authorization_code, refresh_token or client_credentials.');
  }
  await issueTokens(state, server, res, session, previous);
  finish({ status: 200, outcome: 'tokens', error: null });
}

/** RFC 6749 §6: a refresh may ask for fewer scopes than were granted, never more. */
function narrowScopes(form: FormParams, granted: readonly string[]): string[] | undefined {
  const scope = form.get('scope');
  if (scope === undefined) return [...granted];
  const asked = [...new Set(scope.split(/\s+/).filter((s) => s !== ''))];
  return asked.length > 0 && asked.every((s) => granted.includes(s)) ? asked : undefined;
}

/**
 * The token response (SMART App Launch 2.2 "Response to a token request"):
 * a user access token in the shared token table, the launch context, an
 * id_token when openid was granted, and a refresh token when offline_access or
 * online_access was. A refresh keeps the refresh grant's original scopes.
 */
async function issueTokens(state: SandboxState, server: SmartServer, res: Response, session: Session, previous?: RefreshGrant): Promise<void> {
  const smart = state.smart;
  const ttlSeconds = smart.settingsOf(server.vendor).accessTokenTtlSeconds;
  const fhirUser = `${server.fhirBase}/Practitioner/${session.context.practitionerId}`;
  const { token } = state.tokens.issue(
    {
      vendor: server.vendor,
      clientId: session.clientId,
      ...(session.target.vendor === 'oracle' ? { tenantId: session.target.tenantId } : {}),
      scopes: session.scopes,
      user: {
        sessionId: session.sessionId,
        fhirUser,
        ...(session.context.patient !== undefined ? { patient: session.context.patient } : {}),
        ...(session.context.encounter !== undefined ? { encounter: session.context.encounter } : {}),
      },
    },
    ttlSeconds,
  );
  const body: Record<string, unknown> = {
    access_token: token,
    token_type: 'Bearer',
    expires_in: ttlSeconds,
    scope: session.scopes.join(' '),
    ...(session.context.patient !== undefined ? { patient: session.context.patient } : {}),
    ...(session.context.encounter !== undefined ? { encounter: session.context.encounter } : {}),
    need_patient_banner: true,
  };
  if (session.scopes.includes('openid')) {
    body.id_token = await smart.signingKey.signIdToken(
      {
        iss: server.fhirBase,
        aud: session.clientId,
        sub: session.context.practitionerId,
        fhirUser,
        ...(session.nonce !== undefined && previous === undefined ? { nonce: session.nonce } : {}),
        ...(session.scopes.includes('profile') ? { profile: fhirUser } : {}),
      },
      state.now(),
      ttlSeconds,
    );
  }
  const refreshScopes = previous?.scopes ?? session.scopes;
  const kind = previous?.kind ?? refreshKind(refreshScopes);
  if (kind !== undefined) {
    const grant: RefreshGrant = { target: session.target, sessionId: session.sessionId, clientId: session.clientId, scopes: [...refreshScopes], context: session.context, kind };
    body.refresh_token = smart.refreshTokens.issue(grant, kind === 'offline' ? OFFLINE_REFRESH_TTL_MS : ONLINE_REFRESH_TTL_MS);
  }
  res.status(200).set(NO_STORE).json(body);
}
