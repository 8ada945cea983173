import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { sendReply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import { athenaRoutes, type AthenaLocals } from './athena-call';
import { athenaFaultBeforeHandling, athenaRequestKinds } from './athena-faults';
import { athenaFhirRoutes } from './athena-fhir-routes';
import { AthenaParams } from './athena-params';
import { ATHENA_ERRORS, athenaError } from './athena-reply';
import { athenaTokenRoute } from './athena-token';
import { appointmentRoutes } from './routes-appointments';
import { changeRoutes } from './routes-changes';
import { chartRoutes } from './routes-chart';
import { chartWriteRoutes } from './routes-chart-writes';
import { directoryRoutes } from './routes-directory';
import { documentRoutes } from './routes-documents';
import { patientRoutes } from './routes-patients';

export const ATHENA_API_PATH = '/athena/v1/:practiceid';
/** Attachments arrive base64 in a form field. */
const MAX_BODY = '20mb';

/**
 * The athenaOne-like server: the token endpoint, the FHIR R4 base (bulk
 * $export, athena-fhir-routes.ts), then everything under
 * /athena/v1/{practiceid} behind one guard — faults first (as the other
 * simulators), then the bearer token, then the practice (404 unknown, 401 not
 * granted to this client).
 */
export function athenaServerRoutes(state: SandboxState): Router {
  const router = express.Router();
  router.use(athenaTokenRoute(state));
  router.use(athenaFhirRoutes(state));

  const api = express.Router({ mergeParams: true });
  api.use(express.raw({ type: () => true, limit: MAX_BODY }));
  api.use((req: Request<{ practiceid: string }>, res: Response, next: NextFunction) => {
    guard(req, res).then((ok) => (ok ? next() : undefined), next);
  });
  const table = athenaRoutes(api, state);
  changeRoutes(table);
  directoryRoutes(table);
  patientRoutes(table);
  documentRoutes(table, state.timers);
  appointmentRoutes(table);
  chartRoutes(table);
  chartWriteRoutes(table);
  api.use((_req: Request, res: Response) => {
    const locals = res.locals.athena as AthenaLocals | undefined;
    sendReply(res, ATHENA_ERRORS.noSuchEndpoint(), state.timers, locals?.fault);
  });
  api.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status === 413) return sendReply(res, athenaError(413, 'The request is too large.'), state.timers);
    next(err);
  });
  router.use(ATHENA_API_PATH, api);

  /** Resolves true when the request may go on to a route; otherwise it has been answered. */
  async function guard(req: Request<{ practiceid: string }>, res: Response): Promise<boolean> {
    const practiceId = req.params.practiceid;
    const fault = state.faults.take('athena', athenaRequestKinds(req.method, req.path));
    if (fault) {
      const early = await athenaFaultBeforeHandling(fault, { res, timers: state.timers, tokens: state.tokens, authorization: req.headers.authorization });
      if (early === 'abandoned') return false;
      if (early) {
        sendReply(res, early, state.timers, fault);
        return false;
      }
    }
    const auth = state.tokens.check(req.headers.authorization, 'athena');
    if (!auth.ok) {
      sendReply(res, ATHENA_ERRORS.unauthorized(auth.reason === 'expired' ? 'The access token has expired.' : 'The access token is missing or not valid.'), state.timers, fault);
      return false;
    }
    const practice = state.athena.practice(practiceId);
    if (!practice) {
      sendReply(res, ATHENA_ERRORS.invalidPractice(), state.timers, fault);
      return false;
    }
    const client = state.clients.get(auth.grant.clientId);
    if (client?.vendor !== 'athena' || !client.practiceIds.includes(practiceId)) {
      sendReply(res, ATHENA_ERRORS.incorrectPermissions(), state.timers, fault);
      return false;
    }
    const locals: AthenaLocals = { practiceId, practice, clientId: client.clientId, params: AthenaParams.of(req), nowMs: state.now(), athena: state.athena, fault };
    res.locals.athena = locals;
    return true;
  }

  return router;
}
