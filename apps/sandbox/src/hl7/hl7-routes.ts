import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { receiverBehaviourSchema } from './hl7-receiver';
import { streamRequestSchema, type Hl7Site } from './hl7-site';

function problem(res: Response, status: number, code: string, detail: string, issues?: { path: string; message: string }[]): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title: code.replace(/_/g, ' '), status, code, detail, ...(issues ? { issues } : {}) }));
}

const zodIssues = (error: z.ZodError): { path: string; message: string }[] => error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

/**
 * `/_sandbox/hl7/*`: drive the sandbox hospital's HL7 v2 interface.
 *
 * - `POST /_sandbox/hl7/stream` starts sending a synthetic feed to a gateway (202, `{ runId, seed, total }`).
 * - `GET /_sandbox/hl7/stream/:runId` reports `{ sent, acked, nacked, failed, pending, retries, done, error? }`.
 * - `GET /_sandbox/hl7/receiver` gives the inbound MLLP port and the behaviour rules.
 * - `PUT /_sandbox/hl7/receiver/behaviour` scripts the answers (`AA`, `AE`, `AR`, `none`), `DELETE` resets to AA.
 * - `GET /_sandbox/hl7/received` lists what the gateway sent (synthetic data), `DELETE` clears it.
 */
export function hl7Routes(site: Hl7Site): Router {
  const router = express.Router();
  router.use('/_sandbox/hl7', express.json({ limit: '16kb' }));

  router.post('/_sandbox/hl7/stream', (req, res) => {
    const parsed = streamRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The stream request is not valid.', zodIssues(parsed.error));
    const run = site.startStream(parsed.data);
    res
      .status(202)
      .location(`/_sandbox/hl7/stream/${run.runId}`)
      .json({ runId: run.runId, seed: run.seed, total: run.total });
  });

  router.get('/_sandbox/hl7/stream/:runId', (req: Request<{ runId: string }>, res) => {
    const progress = site.runs.get(req.params.runId);
    if (!progress) return problem(res, 404, 'not_found', 'No stream run has this id.');
    res.json(progress);
  });

  router.get('/_sandbox/hl7/receiver', (_req, res) => {
    res.json({ port: site.receiver.port, behaviours: site.receiver.behaviours() });
  });

  router.put('/_sandbox/hl7/receiver/behaviour', (req, res) => {
    const parsed = receiverBehaviourSchema.safeParse(req.body ?? {});
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The receiver behaviour is not valid.', zodIssues(parsed.error));
    site.receiver.setBehaviour(parsed.data);
    res.json({ port: site.receiver.port, behaviours: site.receiver.behaviours() });
  });

  router.delete('/_sandbox/hl7/receiver/behaviour', (_req, res) => {
    site.receiver.resetBehaviour();
    res.status(204).end();
  });

  router.get('/_sandbox/hl7/received', (_req, res) => {
    res.json({ messages: site.receiver.received() });
  });

  router.delete('/_sandbox/hl7/received', (_req, res) => {
    site.receiver.clearReceived();
    res.status(204).end();
  });

  router.use('/_sandbox/hl7', (_req, res) => problem(res, 404, 'not_found', 'No such sandbox HL7 route.'));
  router.use('/_sandbox/hl7', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if ((err as { type?: string }).type === 'entity.parse.failed') return problem(res, 400, 'malformed_json', 'The body is not valid JSON.');
    if ((err as { status?: number }).status === 413) return problem(res, 413, 'payload_too_large', 'The body is too large.');
    next(err);
  });
  return router;
}
