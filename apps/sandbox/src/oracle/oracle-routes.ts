import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { ClientRegistry } from '../admin/client-registry';
import type { Grant } from '../auth/access-tokens';
import { handleBulkRequest, matchBulkRoute } from '../bulk/bulk-http';
import { signedFileStoreRoutes } from '../bulk/signed-file-route';
import { faultBeforeHandling, FOREIGN_ORIGIN } from '../faults/apply-fault';
import type { Fault } from '../faults/fault-queue';
import { capabilityStatement, systemScopes } from '../fhir/capability';
import { interactionOf, jsonBody, mediaType, rawQuery, searchParams, type Interaction } from '../fhir/fhir-request';
import { isResourceType, PATIENT_SCOPED, type ResourceType } from '../fhir/fhir-types';
import { issue } from '../fhir/issues';
import { FHIR_JSON, jsonReply, sendReply, type Reply } from '../fhir/reply';
import type { LayeredStore } from '../fhir/resource-store';
import { serializeSearchBundle } from '../fhir/search-bundle';
import { continueSearch, startSearch, type SearchPolicy, type SearchResult } from '../fhir/search-flow';
import { decodeCursor } from '../fhir/search-sessions';
import { storedResource, validateAppointment, validateNote } from '../fhir/write-validation';
import type { SandboxState } from '../sandbox-state';
import { withSmartLaunch } from '../smart/smart-discovery';
import { smartServer } from '../smart/smart-endpoints';
import { oracleBulkContext, oracleBulkProfile, ORACLE_FILE_STORE_PATH } from './oracle-bulk';
import { ORACLE_CREATED_ID_BASE } from './oracle-dialect';
import { oracleError } from './oracle-outcomes';
import { parseOracleScopes, scopeAllows as systemScopeAllows } from './oracle-scopes';

export const ORACLE_TOKEN_TTL_SECONDS = 570;
export const ORACLE_DEFAULT_PAGE_SIZE = 50;
export const ORACLE_MAX_PAGE_SIZE = 200;
const ORACLE_CREATABLE: readonly ResourceType[] = ['DocumentReference', 'Appointment'];
const PAGING_PARAMS = new Set(['-pageContext', '-pageDirection']);
const MAX_BODY = '5mb';

const oauthError = (res: Response, status: number, error: string, description: string, headers: Record<string, string> = {}): void => {
  res.status(status).set({ 'cache-control': 'no-store', pragma: 'no-cache', ...headers }).json({ error, error_description: description });
};

/** Client id and secret from HTTP Basic (RFC 6749 §2.3.1: each form-urlencoded first) or the form body. */
function clientCredentials(req: Request, form: Record<string, string | undefined>): { clientId: string; secret: string; basic: boolean } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (m) {
    const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) return undefined;
    try {
      return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)), basic: true };
    } catch {
      return undefined;
    }
  }
  if (form.client_id && form.client_secret) return { clientId: form.client_id, secret: form.client_secret, basic: false };
  return undefined;
}

const acceptsFhirJson = (accept: string | undefined): boolean => (accept ?? '').split(',').some((part) => mediaType(part) === 'application/fhir+json');

function searchRequirement(type: ResourceType, parsed: { names: Set<string>; criteria: unknown[] }): ReturnType<SearchPolicy['requirement']> {
  if (parsed.names.has('_id')) return undefined;
  if (PATIENT_SCOPED.has(type)) {
    const ok = parsed.names.has('patient') || parsed.names.has('subject') || (type === 'Appointment' && parsed.names.has('actor'));
    return ok ? undefined : issue('missing-parameter', `A search of ${type} must include the patient parameter.`, ['patient']);
  }
  return parsed.criteria.length > 0 ? undefined : issue('missing-parameter', `A search of ${type} must include at least one search parameter.`);
}

/** The Oracle Health–like server: tenant-scoped URLs, client-secret system accounts, SMART v1 scopes. */
export function oracleRoutes(state: SandboxState): Router {
  const router = express.Router();
  let createdIds = 0;

  const policyFor = (tenantId: string): SearchPolicy => ({
    defaultPageSize: ORACLE_DEFAULT_PAGE_SIZE,
    maxPageSize: ORACLE_MAX_PAGE_SIZE,
    requirement: searchRequirement,
    outcomes: () => [],
    includeTotal: false,
    nextLink: (type, cursor, query) => {
      const kept = [...new URLSearchParams(query)].filter(([name]) => !PAGING_PARAMS.has(name));
      const params = new URLSearchParams([...kept, ['-pageContext', cursor], ['-pageDirection', 'NEXT']]);
      return `${state.oracleBase(tenantId)}/${type}?${params.toString()}`;
    },
  });

  router.post(
    '/oracle/tenants/:tenantId/protocols/oauth2/profiles/smart-v1/token',
    express.urlencoded({ extended: false, limit: '64kb' }),
    (req: Request<{ tenantId: string }>, res: Response) => {
      const form = (req.body ?? {}) as Record<string, string | undefined>;
      const credentials = clientCredentials(req, form);
      const client = credentials ? state.clients.get(credentials.clientId) : undefined;
      const challenge: Record<string, string> = credentials?.basic ? { 'www-authenticate': `Basic realm="${req.params.tenantId}"` } : {};
      if (!credentials || !client || client.vendor !== 'oracle' || !ClientRegistry.secretMatches(client, credentials.secret)) {
        return oauthError(res, 401, 'invalid_client', 'client authentication failed', challenge);
      }
      if (client.tenantId !== req.params.tenantId) return oauthError(res, 401, 'invalid_client', 'the client is not registered in this tenant', challenge);
      if (form.grant_type !== 'client_credentials') return oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be client_credentials');
      const scopes = parseOracleScopes(form.scope);
      if (!scopes.ok) return oauthError(res, 400, 'invalid_scope', scopes.description);
      const { token } = state.tokens.issue({ vendor: 'oracle', clientId: client.clientId, tenantId: client.tenantId, scopes: scopes.scopes }, ORACLE_TOKEN_TTL_SECONDS);
      res.set({ 'cache-control': 'no-store', pragma: 'no-cache' }).json({ access_token: token, scope: scopes.scopes.join(' '), token_type: 'Bearer', expires_in: ORACLE_TOKEN_TTL_SECONDS });
    },
  );

  const knownTenant = (tenantId: string): boolean => state.clients.hasTenant(tenantId);
  const unknownTenant = (res: Response): void => sendReply(res, oracleError(404, [issue('not-found', 'Unknown tenant.')]), state.timers);

  router.get('/oracle/r4/:tenantId/.well-known/smart-configuration', (req: Request<{ tenantId: string }>, res: Response) => {
    if (!knownTenant(req.params.tenantId)) return unknownTenant(res);
    const backendServices = {
      token_endpoint: state.oracleTokenUrl(req.params.tenantId),
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      grant_types_supported: ['client_credentials'],
      scopes_supported: systemScopes(ORACLE_CREATABLE),
      capabilities: ['client-confidential-symmetric', 'permission-v1'],
    };
    res.json(withSmartLaunch(backendServices, smartServer(state, { vendor: 'oracle', tenantId: req.params.tenantId })));
  });

  router.use('/oracle/r4/:tenantId', express.raw({ type: () => true, limit: MAX_BODY }), (req: Request<{ tenantId: string }>, res: Response, next) => {
    const tenantId = req.params.tenantId;
    if (!knownTenant(tenantId)) return unknownTenant(res);
    if (req.method === 'GET' && req.path === '/metadata') return metadata(req, res, tenantId);
    const bulkRoute = matchBulkRoute(req.method, req.path, oracleBulkProfile);
    if (bulkRoute) {
      const context = oracleBulkContext(state, tenantId, (description, expired) => unauthorized(tenantId, description, expired));
      return void handleBulkRequest(req, res, state, context, bulkRoute).catch(next);
    }
    handle(req, res, tenantId).catch(next);
  });
  router.use(signedFileStoreRoutes(state, 'oracle', ORACLE_FILE_STORE_PATH));

  function metadata(req: Request, res: Response, tenantId: string): void {
    if (!acceptsFhirJson(req.headers.accept)) return sendReply(res, notAcceptable(), state.timers);
    const statement = capabilityStatement({
      name: 'SwitchboardSandboxOracle',
      title: 'Switchboard sandbox (Oracle Health-like)',
      fhirBase: state.oracleBase(tenantId),
      tokenUrl: state.oracleTokenUrl(tenantId),
      creatable: ORACLE_CREATABLE,
      date: `${state.dataset.anchor}T00:00:00Z`,
      bulkExport: 'with-rest',
    });
    res.status(200).type(FHIR_JSON).send(JSON.stringify(statement));
  }

  const notAcceptable = (): Reply => oracleError(406, [issue('not-acceptable', 'This server answers application/fhir+json only; send Accept: application/fhir+json.')]);

  const unauthorized = (tenantId: string, description: string, expired = false): Reply =>
    oracleError(401, [issue(expired ? 'expired-token' : 'invalid-token', description)], {
      'www-authenticate': `Bearer realm="${tenantId}", error="invalid_token", error_description="${description}"`,
    });

  async function handle(req: Request, res: Response, tenantId: string): Promise<void> {
    const interaction = interactionOf(req.method, req.path);
    const fault = state.faults.take('oracle', interaction.kind === 'search' ? 'search' : 'other');
    if (fault) {
      const early = await faultBeforeHandling(fault, {
        res,
        timers: state.timers,
        tokens: state.tokens,
        authorization: req.headers.authorization,
        error: oracleError,
        expiredToken: () => unauthorized(tenantId, 'The access token has expired.', true),
      });
      if (early === 'abandoned') return;
      if (early) return sendReply(res, early, state.timers, fault);
    }
    if (!acceptsFhirJson(req.headers.accept)) return sendReply(res, notAcceptable(), state.timers, fault);
    const auth = state.tokens.check(req.headers.authorization, 'oracle', tenantId);
    if (!auth.ok) {
      const description = auth.reason === 'expired' ? 'The access token has expired.' : auth.reason === 'wrong-tenant' ? 'The access token was not issued for this tenant.' : 'The access token is missing or not valid.';
      return sendReply(res, unauthorized(tenantId, description, auth.reason === 'expired'), state.timers, fault);
    }
    sendReply(res, route(req, interaction, auth.grant, tenantId, fault), state.timers, fault);
  }

  function forbidden(type: string, access: 'read' | 'write', tenantId: string): Reply {
    return oracleError(403, [issue('insufficient-scope', `The access token does not grant system/${type}.${access}.`)], {
      'www-authenticate': `Bearer realm="${tenantId}", error="insufficient_scope", scope="system/${type}.${access}"`,
    });
  }

  function route(req: Request, interaction: Interaction, grant: Grant, tenantId: string, fault: Fault | undefined): Reply {
    const store = state.oracleStore(tenantId);
    // System scopes are checked here; a SMART user token's patient/user scopes are the gateway's to enforce.
    const scopeAllows = (scopes: readonly string[], type: string, access: 'read' | 'write'): boolean => grant.user !== undefined || systemScopeAllows(scopes, type, access);
    switch (interaction.kind) {
      case 'search':
        if (!scopeAllows(grant.scopes, interaction.type, 'read')) return forbidden(interaction.type, 'read', tenantId);
        return search(req, store, interaction.type, interaction.viaPost, tenantId, fault);
      case 'read': {
        if (!isResourceType(interaction.type)) return oracleError(404, [issue('unknown-type', `Resource type ${interaction.type} is not supported.`)]);
        if (!scopeAllows(grant.scopes, interaction.type, 'read')) return forbidden(interaction.type, 'read', tenantId);
        const resource = store.get(interaction.type, interaction.id);
        if (!resource) return oracleError(404, [issue('not-found', `Resource ${interaction.type} with this id was not found.`)]);
        return jsonReply(200, store.serialized(resource), { etag: `W/"${resource.meta?.versionId ?? '1'}"` });
      }
      case 'create':
        if (!scopeAllows(grant.scopes, interaction.type, 'write')) return forbidden(interaction.type, 'write', tenantId);
        return create(req, store, interaction.type, tenantId);
      case 'unknown-type':
        return oracleError(404, [issue('unknown-type', `Resource type ${interaction.type} is not supported.`)]);
      case 'not-allowed':
        return oracleError(405, [issue('not-supported', 'This interaction is not supported.')]);
    }
  }

  function search(req: Request, store: LayeredStore, type: ResourceType, viaPost: boolean, tenantId: string, fault: Fault | undefined): Reply {
    const params = searchParams(req, viaPost);
    const query = viaPost ? new URLSearchParams(params).toString() : rawQuery(req);
    const common = {
      store,
      sessions: state.sessions,
      policy: policyFor(tenantId),
      type,
      query,
      base: state.oracleBase(tenantId),
      owner: tenantId,
      foreignNextLink: fault?.kind === 'foreign-next-link' ? FOREIGN_ORIGIN : undefined,
    };
    const context = params.find(([name]) => name === '-pageContext');
    let result: SearchResult;
    if (context) {
      const cursor = decodeCursor(context[1]);
      const session = cursor ? state.sessions.find(cursor.sessionId, tenantId) : undefined;
      if (!cursor || !session || session.type !== type) return oracleError(400, [issue('invalid-page', 'The -pageContext is not valid or has expired.', ['-pageContext'])]);
      result = continueSearch(common, session, cursor.offset);
    } else {
      result = startSearch({ ...common, params });
    }
    if (!result.ok) return oracleError(result.status, result.issues);
    return jsonReply(200, serializeSearchBundle({ ...result.page, id: randomUUID() }, (r) => store.serialized(r)));
  }

  function create(req: Request, store: LayeredStore, type: ResourceType, tenantId: string): Reply {
    if (!ORACLE_CREATABLE.includes(type)) return oracleError(405, [issue('not-supported', `${type} create is not supported.`)]);
    if (mediaType(req.headers['content-type']) !== 'application/fhir+json') {
      return oracleError(415, [issue('unsupported-media-type', 'Content-Type must be application/fhir+json.')]);
    }
    const body = jsonBody(req);
    if (!body.ok) return oracleError(400, [issue('invalid-json', 'The request body could not be parsed as JSON.')]);
    const validated = type === 'DocumentReference' ? validateNote(body.value, store) : validateAppointment(body.value, store);
    if (!validated.ok) return oracleError(422, validated.issues);
    const input = type === 'DocumentReference' ? (validated.value as { resource: Record<string, unknown> }).resource : (validated.value as Record<string, unknown>);
    const nowIso = new Date(state.now()).toISOString();
    const id = String(ORACLE_CREATED_ID_BASE + ++createdIds);
    const defaults =
      type === 'DocumentReference'
        ? {
            status: input.status ?? 'current',
            date: input.date ?? nowIso,
            category: input.category ?? [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }] }],
          }
        : {};
    store.created.add(storedResource(input, id, nowIso, defaults));
    return { status: 201, headers: { location: `${state.oracleBase(tenantId)}/${type}/${id}`, etag: 'W/"1"', 'last-modified': new Date(state.now()).toUTCString() } };
  }

  return router;
}
