import { athenaEndpoints } from '@sb/adapters/athena';
import type { Connection } from '@sb/db';

/** The gateway's SMART endpoints, all absolute on its public URL. */
export interface SmartUrls {
  /** The FHIR base (`iss`, `aud`) the app sees for one connection. */
  issuer(connectionId: string): string;
  authorize: string;
  token: string;
  /** Where the EHR sends the browser back (the redirect URI the hospital registers). */
  callback: string;
  /** The EHR's launch URL for the gateway. */
  launch: string;
  jwks: string;
}

export function smartUrls(publicUrl: string): SmartUrls {
  return {
    issuer: (connectionId) => `${publicUrl}/fhir/r4/${connectionId}`,
    authorize: `${publicUrl}/smart/authorize`,
    token: `${publicUrl}/smart/token`,
    callback: `${publicUrl}/smart/callback`,
    launch: `${publicUrl}/smart/launch`,
    jwks: `${publicUrl}/.well-known/jwks.json`,
  };
}

/** The connection id an `aud` names, when it is one of the gateway's FHIR bases. */
export function connectionOfAudience(publicUrl: string, aud: string): string | null {
  const prefix = `${publicUrl}/fhir/r4/`;
  if (!aud.startsWith(prefix)) return null;
  const id = aud.slice(prefix.length).replace(/\/$/, '');
  return /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}

/**
 * The EHR FHIR base a connection's SMART launches come from (the EHR's `iss`, the `aud` the
 * gateway sends it): the connection's own for FHIR vendors, athena's FHIR API for athenaOne
 * (shared by every practice), none for HL7 v2.
 */
export function smartEhrBaseOf(connection: Connection): string | null {
  if (connection.vendor === 'athena') return athenaEndpoints(connection).fhirBaseUrl;
  return connection.fhirBaseUrl ? connection.fhirBaseUrl.replace(/\/+$/, '') : null;
}
