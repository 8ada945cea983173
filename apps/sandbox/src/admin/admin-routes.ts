import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { ATHENA_PRACTICES, DEFAULT_ATHENA_PRACTICE } from '../athena/athena-directory';
import { faultSpecSchema, VENDORS, type Vendor } from '../faults/fault-queue';
import type { SandboxState } from '../sandbox-state';
import { smartAdminRoutes } from '../smart/smart-admin-routes';
import { EPIC_BULK_GROUP_ID } from '../epic/epic-bulk';
import { ORACLE_BULK_GROUP_ID } from '../oracle/oracle-bulk';
import { athenaAdminRoutes } from './athena-admin-routes';
import { bulkAdminRoutes } from './bulk-admin-routes';
import type { SandboxClient } from './client-registry';
import { problem, zodIssues } from './problem';

const CLIENT_ID = z.string().regex(/^[A-Za-z0-9._~-]{1,200}$/, 'letters, digits and . _ ~ - only (at most 200)');
const registrationSchema = z.discriminatedUnion('vendor', [
  z.strictObject({ vendor: z.literal('epic'), clientId: CLIENT_ID, jwksUrl: z.url({ protocol: /^https?$/ }) }),
  z.strictObject({ vendor: z.literal('oracle'), clientId: CLIENT_ID.optional(), tenantId: z.uuid().optional() }),
  z.strictObject({ vendor: z.literal('athena'), clientId: CLIENT_ID.optional(), practiceIds: z.array(z.enum(ATHENA_PRACTICES)).min(1).max(10).optional() }),
]);
const VENDOR_MESSAGE = `vendor must be one of ${VENDORS.join(', ')}.`;
const vendorQuery = z.enum(VENDORS);

/**
 * The sandbox's own admin API: what the gateway calls to wire a sandbox
 * connection, and what developers and tests use to inject faults. No auth:
 * the server binds to the configured (by default loopback) address only.
 */
export function adminRoutes(state: SandboxState): Router {
  const router = express.Router();
  router.use('/_sandbox', express.json({ limit: '64kb' }));

  const describe = (client: SandboxClient): Record<string, unknown> => {
    switch (client.vendor) {
      case 'epic':
        return { vendor: 'epic', clientId: client.clientId, jwksUrl: client.jwksUrl, fhirBaseUrl: state.epicBase, tokenUrl: state.epicTokenUrl, createdAt: client.createdAt };
      case 'oracle':
        return { vendor: 'oracle', clientId: client.clientId, tenantId: client.tenantId, fhirBaseUrl: state.oracleBase(client.tenantId), tokenUrl: state.oracleTokenUrl(client.tenantId), createdAt: client.createdAt };
      case 'athena':
        return { vendor: 'athena', clientId: client.clientId, practiceIds: client.practiceIds, athenaBaseUrl: state.athenaBase, tokenUrl: state.athenaTokenUrl, createdAt: client.createdAt };
    }
  };

  router.post('/_sandbox/clients', (req, res) => {
    const parsed = registrationSchema.safeParse(req.body);
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The registration is not valid.', zodIssues(parsed.error));
    const body = parsed.data;
    if (body.vendor === 'epic') {
      const client = state.clients.registerEpic(body.clientId, body.jwksUrl);
      return res.status(201).json({ vendor: 'epic', clientId: client.clientId, fhirBaseUrl: state.epicBase, tokenUrl: state.epicTokenUrl, bulkGroupIds: [EPIC_BULK_GROUP_ID] });
    }
    if (body.vendor === 'athena') {
      const { client, clientSecret } = state.clients.registerAthena({ clientId: body.clientId, practiceIds: body.practiceIds ?? [DEFAULT_ATHENA_PRACTICE] });
      state.tokens.revokeClient(client.clientId);
      return res.status(201).json({
        vendor: 'athena',
        clientId: client.clientId,
        clientSecret,
        athenaBaseUrl: state.athenaBase,
        tokenUrl: state.athenaTokenUrl,
        practiceId: client.practiceIds[0],
        practiceIds: client.practiceIds,
      });
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
      bulkGroupIds: [ORACLE_BULK_GROUP_ID],
    });
  });

  router.get('/_sandbox/clients', (_req, res) => {
    res.json(state.clients.list().map(describe));
  });

  router.delete('/_sandbox/clients/:clientId', (req: Request<{ clientId: string }>, res) => {
    if (!state.clients.remove(req.params.clientId)) return problem(res, 404, 'not_found', 'No client is registered with this id.');
    state.tokens.revokeClient(req.params.clientId);
    state.athena.forgetClient(req.params.clientId);
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
    problem(res, 400, 'validation_failed', VENDOR_MESSAGE);
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
    if (!vendor.success) return problem(res, 400, 'validation_failed', VENDOR_MESSAGE);
    res.json(state.patients(vendor.data));
  });

  router.get('/_sandbox/health', (_req, res) => {
    res.json({ status: 'ok', seed: state.dataset.seed, anchor: state.dataset.anchor, patients: state.dataset.patients.length, vendors: VENDORS });
  });

  router.use(athenaAdminRoutes(state));
  router.use(bulkAdminRoutes(state));
  router.use(smartAdminRoutes(state));
  router.use('/_sandbox', (_req, res) => problem(res, 404, 'not_found', 'No such sandbox admin route.'));
  router.use('/_sandbox', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: number; type?: string }).status;
    if ((err as { type?: string }).type === 'entity.parse.failed') return problem(res, 400, 'malformed_json', 'The body is not valid JSON.');
    if (status === 413) return problem(res, 413, 'payload_too_large', 'The body is too large.');
    next(err);
  });
  return router;
}
