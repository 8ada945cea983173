import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { faultSpecSchema, VENDORS, type Vendor } from '../faults/fault-queue';
import type { SandboxState } from '../sandbox-state';
import type { SandboxClient } from './client-registry';

const CLIENT_ID = z.string().regex(/^[A-Za-z0-9._~-]{1,200}$/, 'letters, digits and . _ ~ - only (at most 200)');
const registrationSchema = z.discriminatedUnion('vendor', [
  z.strictObject({ vendor: z.literal('epic'), clientId: CLIENT_ID, jwksUrl: z.url({ protocol: /^https?$/ }) }),
  z.strictObject({ vendor: z.literal('oracle'), clientId: CLIENT_ID.optional(), tenantId: z.uuid().optional() }),
]);
const vendorQuery = z.enum(VENDORS);

function problem(res: Response, status: number, code: string, detail: string, issues?: unknown[]): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title: code.replace(/_/g, ' '), status, code, detail, ...(issues ? { issues } : {}) }));
}

const zodIssues = (error: z.ZodError): { path: string; message: string }[] => error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

/**
 * The sandbox's own admin API: what the gateway calls to wire a sandbox
 * connection, and what developers and tests use to inject faults. No auth:
 * the server binds to the configured (by default loopback) address only.
 */
export function adminRoutes(state: SandboxState): Router {
  const router = express.Router();
  router.use('/_sandbox', express.json({ limit: '64kb' }));

  const describe = (client: SandboxClient): Record<string, unknown> =>
    client.vendor === 'epic'
      ? { vendor: 'epic', clientId: client.clientId, jwksUrl: client.jwksUrl, fhirBaseUrl: state.epicBase, tokenUrl: state.epicTokenUrl, createdAt: client.createdAt }
      : { vendor: 'oracle', clientId: client.clientId, tenantId: client.tenantId, fhirBaseUrl: state.oracleBase(client.tenantId), tokenUrl: state.oracleTokenUrl(client.tenantId), createdAt: client.createdAt };

  router.post('/_sandbox/clients', (req, res) => {
    const parsed = registrationSchema.safeParse(req.body);
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The registration is not valid.', zodIssues(parsed.error));
    const body = parsed.data;
    if (body.vendor === 'epic') {
      const client = state.clients.registerEpic(body.clientId, body.jwksUrl);
      return res.status(201).json({ vendor: 'epic', clientId: client.clientId, fhirBaseUrl: state.epicBase, tokenUrl: state.epicTokenUrl });
    }
    const { client, clientSecret } = state.clients.registerOracle({ clientId: body.clientId, tenantId: body.tenantId });
    state.tokens.revokeClient(client.clientId);
    res.status(201).json({
      vendor: 'oracle',
      clientId: client.clientId,
      clientSecret,
      tenantId: client.tenantId,
      fhirBaseUrl: state.oracleBase(client.tenantId),
      tokenUrl: state.oracleTokenUrl(client.tenantId),
    });
  });

  router.get('/_sandbox/clients', (_req, res) => {
    res.json(state.clients.list().map(describe));
  });

  router.delete('/_sandbox/clients/:clientId', (req: Request<{ clientId: string }>, res) => {
    if (!state.clients.remove(req.params.clientId)) return problem(res, 404, 'not_found', 'No client is registered with this id.');
    state.tokens.revokeClient(req.params.clientId);
    res.status(204).end();
  });

  router.post('/_sandbox/faults', (req, res) => {
    const parsed = faultSpecSchema.safeParse(req.body);
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The fault is not valid.', zodIssues(parsed.error));
    res.status(201).json(state.faults.add(parsed.data));
  });

  const vendorOf = (req: Request, res: Response): Vendor | undefined | false => {
    if (req.query.vendor === undefined) return undefined;
    const vendor = vendorQuery.safeParse(req.query.vendor);
    if (vendor.success) return vendor.data;
    problem(res, 400, 'validation_failed', 'vendor must be epic or oracle.');
    return false;
  };

  router.get('/_sandbox/faults', (req, res) => {
    const vendor = vendorOf(req, res);
    if (vendor !== false) res.json(state.faults.list(vendor));
  });

  router.delete('/_sandbox/faults', (req, res) => {
    const vendor = vendorOf(req, res);
    if (vendor === false) return;
    state.faults.clear(vendor);
    res.status(204).end();
  });

  router.get('/_sandbox/patients', (req, res) => {
    const vendor = vendorQuery.safeParse(req.query.vendor);
    if (!vendor.success) return problem(res, 400, 'validation_failed', 'vendor must be epic or oracle.');
    res.json(state.patients(vendor.data));
  });

  router.get('/_sandbox/health', (_req, res) => {
    res.json({ status: 'ok', seed: state.dataset.seed, anchor: state.dataset.anchor, patients: state.dataset.patients.length, vendors: VENDORS });
  });

  router.use('/_sandbox', (_req, res) => problem(res, 404, 'not_found', 'No such sandbox admin route.'));
  router.use('/_sandbox', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: number; type?: string }).status;
    if ((err as { type?: string }).type === 'entity.parse.failed') return problem(res, 400, 'malformed_json', 'The body is not valid JSON.');
    if (status === 413) return problem(res, 413, 'payload_too_large', 'The body is too large.');
    next(err);
  });
  return router;
}
