import type { SmartApp } from '@sb/db';

/** SMART's client types (App Launch 2.2 §client types), as the app registered. */
export type SmartClientType = 'public' | 'confidential-symmetric' | 'confidential-asymmetric';

export const smartClientTypeOf = (app: Pick<SmartApp, 'confidential' | 'jwksUrl'>): SmartClientType =>
  !app.confidential ? 'public' : app.jwksUrl !== null ? 'confidential-asymmetric' : 'confidential-symmetric';

/** The response shape: explicit fields only, so neither the secret nor its hash is ever serialized. */
export const smartAppView = (app: SmartApp) => ({
  id: app.id,
  name: app.name,
  clientId: app.clientId,
  clientType: smartClientTypeOf(app),
  confidential: app.confidential,
  hasSecret: app.hasSecret,
  jwksUrl: app.jwksUrl,
  launchUrl: app.launchUrl,
  redirectUris: app.redirectUris,
  scopes: app.scopes,
  createdAt: app.createdAt,
  updatedAt: app.updatedAt,
});
export type SmartAppView = ReturnType<typeof smartAppView>;
