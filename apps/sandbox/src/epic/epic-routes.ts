import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Grant } from '../auth/access-tokens';
import { handleBulkRequest, matchBulkRoute } from '../bulk/bulk-http';
import { faultBeforeHandling, FOREIGN_ORIGIN } from '../faults/apply-fault';
import type { Fault } from '../faults/fault-queue';
import { capabilityStatement, systemScopes } from '../fhir/capability';
import { interactionOf, jsonBody, mediaType, rawQuery, searchParams } from '../fhir/fhir-request';
import { isResourceType, type FhirResource, type ResourceType } from '../fhir/fhir-types';
import { issue } from '../fhir/issues';
import { FHIR_JSON, jsonReply, sendReply, type Reply } from '../fhir/reply';
import { serializeSearchBundle } from '../fhir/search-bundle';
import { continueSearch, startSearch, type SearchResult } from '../fhir/search-flow';
import { decodeCursor } from '../fhir/search-sessions';
import { storedResource, validateAppointment, validateNote } from '../fhir/write-validation';
import type { SandboxState } from '../sandbox-state';
import { withSmartLaunch } from '../smart/smart-discovery';
import { smartServer } from '../smart/smart-endpoints';
import { epicBulkContext, epicBulkProfile } from './epic-bulk';
import { epicId } from './epic-dialect';
import { epicError, epicOutcome } from './epic-outcomes';
import { epicSearchPolicy } from './epic-search-policy';
import { AssertionRejected, claimedClientId, CLIENT_ASSERTION_TYPE, EPIC_TOKEN_TTL_SECONDS, JtiLedger, RemoteKeySets, verifyAssertion } from './epic-token';

export const EPIC_FHIR_PATH = '/epic/api/FHIR/R4';
export const EPIC_TOKEN_PATH = '/epic/oauth2/token';
const EPIC_CREATABLE: readonly ResourceType[] = ['DocumentReference', 'Appointment'];
const MAX_BODY = '5mb';
const JSON_TYPES = new Set(['application/json', 'application/fhir+json']);

const oauthError = (res: Response, status: number, error: string, description: string): void => {
  res.status(status).set({ 'cache-control': 'no-store', pragma: 'no-cache' }).json({ error, error_description: description });
};

const unauthorized = (description: string, expired = false): Reply =>
  epicError(401, [issue(expired ? 'expired-token' : 'invalid-token', description)], {
    'www-authenticate': `Bearer error="invalid_token", error_description="${description}"`,
  });

/** The Epic-like server: SMART Backend Services token endpoint and a FHIR R4 API with Epic's rules. */
export function epicRoutes(state: SandboxState): Router {
  const router = express.Router();
  const keySets = new RemoteKeySets();
  const jtis = new JtiLedger();
  const policy = epicSearchPolicy(() => state.epicBase);
  const store = state.epicStore;
  const bulk = epicBulkContext(state, (description, expired) => unauthorized(description, expired));

  router.post(EPIC_TOKEN_PATH, express.urlencoded({ extended: false, limit: '64kb' }), async (req: Request, res: Response) => {
    const form = (req.body ?? {}) as Record<string, string | undefined>;
    if (form.grant_type !== 'client_credentials') return oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE || !form.client_assertion) {
      return oauthError(res, 400, 'invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}, with a client_assertion`);
    }
    const clientId = claimedClientId(form.client_assertion);
    const client = clientId !== undefined ? state.clients.get(clientId) : undefined;
    if (!client || client.vendor !== 'epic' || (form.client_id !== undefined && form.client_id !== client.clientId)) {
      return oauthError(res, 400, 'invalid_client', 'the assertion does not name a client registered with this server');
    }
    try {
      await verifyAssertion(form.client_assertion, { client, tokenUrl: state.epicTokenUrl, keySets, jtis, nowMs: state.now() });
    } catch (e) {
      if (!(e instanceof AssertionRejected)) throw e;
      state.logger.info({ vendor: 'epic', clientId: client.clientId, reason: e.description }, 'client assertion refused');
      return oauthError(res, 400, 'invalid_client', e.description);
    }
    const scope = form.scope?.trim() || systemScopes(EPIC_CREATABLE).join(' ');
    const { token } = state.tokens.issue({ vendor: 'epic', clientId: client.clientId, scopes: scope.split(/\s+/) }, EPIC_TOKEN_TTL_SECONDS);
    res.set({ 'cache-control': 'no-store', pragma: 'no-cache' }).json({ access_token: token, token_type: 'Bearer', expires_in: EPIC_TOKEN_TTL_SECONDS, scope });
  });

  router.get(`${EPIC_FHIR_PATH}/.well-known/smart-configuration`, (_req, res) => {
    const backendServices = {
      token_endpoint: state.epicTokenUrl,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      grant_types_supported: ['client_credentials'],
      scopes_supported: systemScopes(EPIC_CREATABLE),
      capabilities: ['client-confidential-asymmetric', 'permission-v1'],
    };
    res.json(withSmartLaunch(backendServices, smartServer(state, { vendor: 'epic' })));
  });

  // A failing EHR fails here too: the vendor's queued faults apply to metadata (not those that need a token).
  router.get(`${EPIC_FHIR_PATH}/metadata`, (req, res, next) => {
    metadata(req, res).catch(next);
  });

  async function metadata(req: Request, res: Response): Promise<void> {
    const fault = state.faults.take('epic', 'metadata');
    if (await answeredByFault(req, res, fault)) return;
    const statement = capabilityStatement({
      name: 'SwitchboardSandboxEpic',
      title: 'Switchboard sandbox (Epic-like)',
      fhirBase: state.epicBase,
      tokenUrl: state.epicTokenUrl,
      creatable: EPIC_CREATABLE,
      readOnly: ['Binary'],
      date: `${state.dataset.anchor}T00:00:00Z`,
      bulkExport: 'with-rest',
    });
    sendReply(res, { status: 200, headers: { 'content-type': FHIR_JSON }, body: JSON.stringify(statement) }, state.timers, fault);
  }

  router.use(EPIC_FHIR_PATH, express.raw({ type: () => true, limit: MAX_BODY }), (req: Request, res: Response, next) => {
    const bulkRoute = matchBulkRoute(req.method, req.path, epicBulkProfile);
    (bulkRoute ? handleBulkRequest(req, res, state, bulk, bulkRoute) : handle(req, res)).catch(next);
  });

  /** Plays a queued fault's part before handling (an error, a delay, a dropped socket); true when that answered the request. */
  async function answeredByFault(req: Request, res: Response, fault: Fault | undefined): Promise<boolean> {
    if (!fault) return false;
    const early = await faultBeforeHandling(fault, {
      res,
      timers: state.timers,
      tokens: state.tokens,
      authorization: req.headers.authorization,
      error: epicError,
      expiredToken: () => unauthorized('The access token provided has expired', true),
    });
    if (early === 'abandoned') return true;
    if (!early) return false;
    sendReply(res, early, state.timers, fault);
    return true;
  }

  async function handle(req: Request, res: Response): Promise<void> {
    const interaction = interactionOf(req.method, req.path);
    const fault = state.faults.take('epic', interaction.kind === 'search' ? 'search' : 'other');
    if (await answeredByFault(req, res, fault)) return;
    const auth = state.tokens.check(req.headers.authorization, 'epic');
    if (!auth.ok) {
      const expired = auth.reason === 'expired';
      return sendReply(res, unauthorized(expired ? 'The access token provided has expired' : 'The access token provided is not valid', expired), state.timers, fault);
    }
    sendReply(res, route(req, interaction, auth.grant, fault), state.timers, fault);
  }

  function route(req: Request, interaction: ReturnType<typeof interactionOf>, grant: Grant, fault: Fault | undefined): Reply {
    switch (interaction.kind) {
      case 'search':
        return search(req, interaction.type, interaction.viaPost, grant, fault);
      case 'read':
        return read(req, interaction.type, interaction.id);
      case 'create':
        return create(req, interaction.type);
      case 'unknown-type':
        return epicError(404, [issue('unknown-type', `Resource type "${interaction.type}" is not supported.`)]);
      case 'not-allowed':
        return epicError(405, [issue('not-supported', 'This interaction is not supported.')]);
    }
  }

  function search(req: Request, type: ResourceType, viaPost: boolean, grant: Grant, fault: Fault | undefined): Reply {
    const params = searchParams(req, viaPost);
    const query = viaPost ? new URLSearchParams(params).toString() : rawQuery(req);
    const common = { store, sessions: state.sessions, policy, type, query, base: state.epicBase, owner: grant.clientId, foreignNextLink: fault?.kind === 'foreign-next-link' ? FOREIGN_ORIGIN : undefined };
    const sessionParam = params.find(([name]) => name === 'sessionID');
    let result: SearchResult;
    if (sessionParam) {
      const cursor = decodeCursor(sessionParam[1]);
      const session = cursor ? state.sessions.find(cursor.sessionId, grant.clientId) : undefined;
      if (!cursor || !session || session.type !== type) return epicError(400, [issue('invalid-page', 'The sessionID is unknown or has expired; run the search again.', ['sessionID'])]);
      result = continueSearch(common, session, cursor.offset);
    } else {
      result = startSearch({ ...common, params });
    }
    if (!result.ok) return epicError(result.status, result.issues);
    const outcomes: FhirResource[] = result.outcomeIssues.length > 0 ? [{ ...epicOutcome(result.outcomeIssues), id: randomUUID() }] : [];
    return jsonReply(200, serializeSearchBundle({ ...result.page, outcomes }, (r) => store.serialized(r)));
  }

  function read(req: Request, type: string, id: string): Reply {
    if (type === 'Binary') {
      const binary = store.get('Binary', id);
      if (!binary) return epicError(404, [issue('not-found', 'No Binary has this id.')]);
      const accept = req.headers.accept ?? '';
      if (/json/i.test(accept)) return jsonReply(200, store.serialized(binary));
      return { status: 200, headers: { 'content-type': String(binary.contentType) }, body: Buffer.from(String(binary.data), 'base64').toString('utf8') };
    }
    if (!isResourceType(type)) return epicError(404, [issue('unknown-type', `Resource type "${type}" is not supported.`)]);
    const resource = store.get(type, id);
    if (!resource) return epicError(404, [issue('not-found', `No ${type} has this id.`)]);
    return jsonReply(200, store.serialized(resource));
  }

  function create(req: Request, type: ResourceType): Reply {
    if (!EPIC_CREATABLE.includes(type)) return epicError(405, [issue('not-supported', `${type} cannot be created on this server.`)]);
    if (!JSON_TYPES.has(mediaType(req.headers['content-type']))) {
      return epicError(415, [issue('unsupported-media-type', 'Send the resource as application/fhir+json or application/json.')]);
    }
    const body = jsonBody(req);
    if (!body.ok) return epicError(400, [issue('invalid-json', 'The request body is not valid JSON.')]);
    const nowIso = new Date(state.now()).toISOString();
    const id = epicId(`epic:created:${randomUUID()}`);
    if (type === 'DocumentReference') {
      const note = validateNote(body.value, store);
      if (!note.ok) return epicError(400, note.issues);
      // Epic files the note text as a Binary and points the DocumentReference at it.
      const binaryId = epicId(`epic:created-binary:${randomUUID()}`);
      store.created.add({ resourceType: 'Binary', id: binaryId, contentType: note.value.contentType, data: note.value.text.toString('base64') });
      const input = note.value.resource;
      const [first, ...restContent] = input.content as Record<string, unknown>[];
      const { data: _data, ...attachment } = (first as { attachment: Record<string, unknown> }).attachment;
      store.created.add(
        storedResource(input, id, nowIso, {
          status: input.status ?? 'current',
          date: input.date ?? nowIso,
          category: input.category ?? [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }] }],
          content: [{ ...first, attachment: { ...attachment, url: `Binary/${binaryId}` } }, ...restContent],
        }),
      );
    } else {
      const appointment = validateAppointment(body.value, store);
      if (!appointment.ok) return epicError(400, appointment.issues);
      store.created.add(storedResource(appointment.value, id, nowIso));
    }
    return { status: 201, headers: { location: `${state.epicBase}/${type}/${id}` } };
  }

  return router;
}
