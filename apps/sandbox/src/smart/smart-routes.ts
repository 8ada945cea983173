import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { ATHENA_SCOPE } from '../athena/athena-token';
import type { SandboxState } from '../sandbox-state';
import { handleAuthorize } from './smart-authorize';
import { openidConfiguration, withSmartLaunch } from './smart-discovery';
import {
  ATHENA_AUTHORIZE_PATH,
  ATHENA_FHIR_PATH,
  ATHENA_JWKS_PATH,
  ATHENA_TOKEN_PATH,
  EPIC_AUTHORIZE_PATH,
  EPIC_FHIR_PATH,
  EPIC_JWKS_PATH,
  EPIC_TOKEN_PATH,
  ORACLE_AUTHORIZE_ROUTE,
  ORACLE_JWKS_ROUTE,
  ORACLE_TOKEN_ROUTE,
  smartServer,
  type SmartTarget,
} from './smart-endpoints';
import { errorPage } from './smart-http';
import { handleSmartToken, SMART_GRANT_TYPES } from './smart-token';

const ORACLE_FHIR_ROUTE = '/oracle/r4/:tenantId';
const OPENID_CONFIGURATION = '/.well-known/openid-configuration';

/** SMART: servers that support browser apps SHALL enable CORS on discovery and the token endpoint. */
const allowAnyOrigin = (res: Response): void => void res.set({ 'access-control-allow-origin': '*', 'access-control-expose-headers': 'www-authenticate' });
const cors: RequestHandler = (_req, res, next) => {
  allowAnyOrigin(res);
  next();
};
const preflight: RequestHandler = (_req, res) => {
  res
    .status(204)
    .set({ 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'authorization, content-type', 'access-control-max-age': '600' })
    .end();
};

/**
 * The SMART App Launch side of the three simulated EHRs: authorize
 * endpoints, the authorization_code and refresh_token grants at each vendor's
 * existing token endpoint (client_credentials, and any request authenticating
 * with a client_assertion, falls through to the vendor's own handler), the
 * id_token JWKS, athena's smart-configuration and every base's
 * openid-configuration. Mounted before the vendor routers.
 */
export function smartRoutes(state: SandboxState): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const epic: SmartTarget = { vendor: 'epic' };
  const athena: SmartTarget = { vendor: 'athena' };
  /** Oracle's tenant from the path, if some client is registered in it. */
  const oracle = (req: Request): SmartTarget | undefined => {
    const tenantId = (req.params as Record<string, string | undefined>).tenantId;
    return tenantId !== undefined && state.clients.hasTenant(tenantId) ? { vendor: 'oracle', tenantId } : undefined;
  };

  router.use([`${EPIC_FHIR_PATH}/.well-known`, `${ATHENA_FHIR_PATH}/.well-known`, `${ORACLE_FHIR_ROUTE}/.well-known`], cors);

  const authorize =
    (targetOf: (req: Request) => SmartTarget | undefined): RequestHandler =>
    (req, res) => {
      const target = targetOf(req);
      if (!target) return errorPage(res, 404, 'invalid_request', 'Unknown tenant.');
      handleAuthorize(state, target, req, res);
    };
  for (const [path, targetOf] of [
    [EPIC_AUTHORIZE_PATH, () => epic],
    [ATHENA_AUTHORIZE_PATH, () => athena],
    [ORACLE_AUTHORIZE_ROUTE, oracle],
  ] as const) {
    router.get(path, authorize(targetOf));
    router.post(path, form, authorize(targetOf));
  }

  const token =
    (targetOf: (req: Request) => SmartTarget | undefined): RequestHandler =>
    (req: Request, res: Response, next: NextFunction) => {
      const body = req.body as Record<string, unknown> | undefined;
      const grantType = body?.grant_type;
      // private_key_jwt (client_assertion) is the backend-services handlers' to judge: user grants take client_id or HTTP Basic.
      if (typeof grantType !== 'string' || !SMART_GRANT_TYPES.has(grantType) || body?.client_assertion !== undefined) return next();
      // An unknown Oracle tenant issued no codes: the grant fails like any unknown code would.
      const target = targetOf(req) ?? { vendor: 'oracle', tenantId: String((req.params as Record<string, string>).tenantId) };
      allowAnyOrigin(res);
      handleSmartToken(state, target, req, res).catch(next);
    };
  for (const [path, targetOf] of [
    [EPIC_TOKEN_PATH, () => epic],
    [ATHENA_TOKEN_PATH, () => athena],
    [ORACLE_TOKEN_ROUTE, oracle],
  ] as const) {
    router.options(path, preflight);
    router.post(path, form, token(targetOf));
  }

  const jwks: RequestHandler = (_req, res, next) => {
    allowAnyOrigin(res);
    state.smart.signingKey.jwks().then((keys) => void res.set('cache-control', 'public, max-age=300').json(keys), next);
  };
  router.get([EPIC_JWKS_PATH, ATHENA_JWKS_PATH], jwks);
  router.get(ORACLE_JWKS_ROUTE, (req, res, next) => (oracle(req) ? jwks(req, res, next) : errorPage(res, 404, 'invalid_request', 'Unknown tenant.')));

  // athena's FHIR base had no discovery document: backend services (client_secret_basic) plus SMART App Launch.
  router.get(`${ATHENA_FHIR_PATH}/.well-known/smart-configuration`, (_req, res) => {
    res.json(
      withSmartLaunch(
        {
          token_endpoint: state.athenaTokenUrl,
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
          grant_types_supported: ['client_credentials'],
          scopes_supported: [ATHENA_SCOPE],
          capabilities: ['client-confidential-symmetric'],
        },
        smartServer(state, athena),
      ),
    );
  });

  router.get(`${EPIC_FHIR_PATH}${OPENID_CONFIGURATION}`, (_req, res) => void res.json(openidConfiguration(smartServer(state, epic))));
  router.get(`${ATHENA_FHIR_PATH}${OPENID_CONFIGURATION}`, (_req, res) => void res.json(openidConfiguration(smartServer(state, athena))));
  router.get(`${ORACLE_FHIR_ROUTE}${OPENID_CONFIGURATION}`, (req, res) => {
    const target = oracle(req);
    if (!target) return void res.status(404).json({ error: 'not_found', message: 'Unknown tenant.' });
    res.json(openidConfiguration(smartServer(state, target)));
  });

  return router;
}
