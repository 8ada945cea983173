import { z } from 'zod';
import { VENDORS } from '../faults/fault-queue';

/**
 * The simulated errors, named as smart-launcher-v2 names them (`auth_*` at
 * authorize, `token_*` at the token endpoint, `request_*` on FHIR calls), plus
 * `access_denied` (the user declines) and `upstream_down` (the authorization
 * server is unavailable). What each answers:
 *
 * | switch                        | answer                                                                 |
 * |-------------------------------|------------------------------------------------------------------------|
 * | `auth_invalid_client_id`      | authorize → 302 redirect_uri?error=invalid_client&state= (smart-launcher's choice) |
 * | `auth_invalid_redirect_uri`   | authorize → 400 error page, no redirect                                |
 * | `auth_invalid_scope`          | authorize → 302 error=invalid_scope                                    |
 * | `access_denied`               | authorize → 302 error=access_denied (the launch is spent)              |
 * | `upstream_down`               | authorize → 503 page; token (SMART grants) → 503 temporarily_unavailable |
 * | `auth_invalid_client_secret`  | token → 401 invalid_client                                             |
 * | `token_invalid_token`         | token → 400 invalid_grant (the code is spent)                          |
 * | `token_expired_refresh_token` | refresh grant → 400 invalid_grant (the refresh token stays dead)       |
 * | `token_invalid_scope`         | token → 400 invalid_scope                                              |
 * | `request_invalid_token`       | FHIR call with a user token → 401 (invalid token), while set           |
 * | `request_expired_token`       | FHIR call with a user token → 401 (expired token), while set           |
 */
export const SMART_ERRORS = [
  'auth_invalid_client_id',
  'auth_invalid_redirect_uri',
  'auth_invalid_scope',
  'auth_invalid_client_secret',
  'token_invalid_token',
  'token_expired_refresh_token',
  'token_invalid_scope',
  'request_invalid_token',
  'request_expired_token',
  'access_denied',
  'upstream_down',
] as const;
export type SmartError = (typeof SMART_ERRORS)[number];

/** SMART: access tokens SHOULD live no longer than an hour. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 86_400;

/** One vendor's SMART App Launch knobs. */
export interface SmartSettings {
  /** The error switch in force, sticky until cleared with `null`. */
  error: SmartError | null;
  accessTokenTtlSeconds: number;
  /** The patient a standalone launch's picker selects; `null`: the dataset's first patient. */
  standalonePatient: string | null;
}

export const defaultSmartSettings = (): SmartSettings => ({ error: null, accessTokenTtlSeconds: DEFAULT_ACCESS_TOKEN_TTL_SECONDS, standalonePatient: null });

/** `PUT /_sandbox/smart/settings`: one vendor, only the fields given change; `null` restores a default. */
export const smartSettingsUpdateSchema = z.strictObject({
  vendor: z.enum(VENDORS),
  error: z.enum(SMART_ERRORS).nullable().optional(),
  accessTokenTtlSeconds: z.int().min(1).max(MAX_ACCESS_TOKEN_TTL_SECONDS).optional(),
  standalonePatient: z.string().min(1).max(200).nullable().optional(),
});
export type SmartSettingsUpdate = z.infer<typeof smartSettingsUpdateSchema>;
