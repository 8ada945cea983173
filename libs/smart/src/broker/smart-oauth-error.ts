/**
 * An OAuth 2.0 / SMART error, answered where RFC 6749 puts it: as a redirect to the client's
 * redirect URI with `error` and `state` when that URI is known to be the client's, as an error
 * page when it is not (never redirect to an unverified URI), or as a JSON body from the token
 * endpoint. Descriptions are fixed texts: never a token, code, state or launch value.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable';

export type OAuthErrorTarget = { kind: 'page'; status: number } | { kind: 'redirect'; redirectUri: string; state: string | null } | { kind: 'json'; status: number };

export class SmartOAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly target: OAuthErrorTarget,
  ) {
    super(description);
    this.name = 'SmartOAuthError';
  }

  /** The redirect URL carrying this error (redirect targets only). */
  redirectUrl(): string | null {
    if (this.target.kind !== 'redirect') return null;
    const url = new URL(this.target.redirectUri);
    url.searchParams.set('error', this.error);
    url.searchParams.set('error_description', this.description);
    if (this.target.state !== null) url.searchParams.set('state', this.target.state);
    return url.href;
  }
}

export const errorPage = (error: OAuthErrorCode, description: string, status = 400): SmartOAuthError => new SmartOAuthError(error, description, { kind: 'page', status });
export const tokenError = (error: OAuthErrorCode, description: string, status = 400): SmartOAuthError => new SmartOAuthError(error, description, { kind: 'json', status });
