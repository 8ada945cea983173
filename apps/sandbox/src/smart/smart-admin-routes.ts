import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { problem, zodIssues } from '../admin/problem';
import { VENDORS, type Vendor } from '../faults/fault-queue';
import type { SandboxState } from '../sandbox-state';
import { defaultStandalonePatient, resolveLaunchContext } from './smart-context';
import { smartServer, type SmartServer, type SmartTarget } from './smart-endpoints';
import { redirectTo, withQuery } from './smart-http';
import { smartSettingsUpdateSchema } from './smart-settings';
import { LAUNCH_TTL_MS } from './smart-simulator';

const vendorQuery = z.enum(VENDORS);
const VENDOR_MESSAGE = `vendor must be one of ${VENDORS.join(', ')}.`;
const launchQuery = z.object({
  vendor: z.enum(VENDORS),
  patient: z.string().min(1).max(200),
  encounter: z.string().min(1).max(200).optional(),
  app: z.url({ protocol: /^https?$/ }),
  /** Oracle: the tenant whose FHIR base the app is launched against (optional when a single tenant exists). */
  tenant: z.string().min(1).max(100).optional(),
});

const describeServer = (server: SmartServer): Record<string, unknown> => ({
  vendor: server.vendor,
  ...(server.target.vendor === 'oracle' ? { tenantId: server.target.tenantId } : {}),
  fhirBaseUrl: server.fhirBase,
  authorizeUrl: server.authorizeUrl,
  tokenUrl: server.tokenUrl,
  jwksUrl: server.jwksUrl,
});

/**
 * The SMART App Launch simulator's admin API: the EHR launch button, the
 * per-vendor settings (error switch, token lifetime, standalone patient), the
 * request ledger and a reset. Mounted under the admin router (no auth; the
 * sandbox binds to a loopback address unless configured otherwise).
 */
export function smartAdminRoutes(state: SandboxState): Router {
  const router = express.Router();
  const smart = state.smart;

  const oracleTenants = (): string[] => [...new Set(state.clients.list().flatMap((c) => (c.vendor === 'oracle' ? [c.tenantId] : [])))];

  const settingsView = (vendor: Vendor): Record<string, unknown> => {
    const settings = smart.settingsOf(vendor);
    return { ...settings, standalonePatient: settings.standalonePatient ?? defaultStandalonePatient(state, vendor) ?? null };
  };

  const vendorOf = (req: Request, res: Response): Vendor | undefined | false => {
    if (req.query.vendor === undefined) return undefined;
    const vendor = vendorQuery.safeParse(req.query.vendor);
    if (vendor.success) return vendor.data;
    problem(res, 400, 'validation_failed', VENDOR_MESSAGE);
    return false;
  };

  /** The EHR opens the app: `302 <app>?iss=<FHIR base>&launch=<single-use id>`. */
  router.get('/_sandbox/smart/launch', (req, res) => {
    const parsed = launchQuery.safeParse(req.query);
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The launch is not valid: vendor, patient and app (an absolute http(s) URL) are required.', zodIssues(parsed.error));
    const { vendor, patient, encounter, app, tenant } = parsed.data;
    let target: SmartTarget;
    if (vendor === 'oracle') {
      const tenants = oracleTenants();
      const tenantId = tenant ?? (tenants.length === 1 ? tenants[0] : undefined);
      if (tenantId === undefined) return problem(res, 400, 'validation_failed', 'Name the Oracle tenant (tenant=…): register an Oracle client first, and pass its tenant when there are several.');
      if (!tenants.includes(tenantId)) return problem(res, 400, 'validation_failed', 'No Oracle client is registered in this tenant.');
      target = { vendor: 'oracle', tenantId };
    } else {
      target = { vendor };
    }
    const resolved = resolveLaunchContext(state, target, patient, encounter);
    if (!resolved.ok) return problem(res, 400, 'validation_failed', resolved.description);
    const launch = smart.launches.issue({ target, context: resolved.context }, LAUNCH_TTL_MS);
    redirectTo(res, withQuery(new URL(app), { iss: smartServer(state, target).fhirBase, launch }));
  });

  /** Every simulated authorization server: the URLs an app or the gateway needs. */
  router.get('/_sandbox/smart/servers', (_req, res) => {
    const targets: SmartTarget[] = [{ vendor: 'epic' }, ...oracleTenants().map((tenantId): SmartTarget => ({ vendor: 'oracle', tenantId })), { vendor: 'athena' }];
    res.json(targets.map((target) => describeServer(smartServer(state, target))));
  });

  router.get('/_sandbox/smart/settings', (_req, res) => {
    res.json(Object.fromEntries(VENDORS.map((vendor) => [vendor, settingsView(vendor)])));
  });

  router.put('/_sandbox/smart/settings', (req, res) => {
    const parsed = smartSettingsUpdateSchema.safeParse(req.body);
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The settings are not valid.', zodIssues(parsed.error));
    const { vendor, standalonePatient } = parsed.data;
    if (typeof standalonePatient === 'string' && !state.patients(vendor).some((p) => p.id === standalonePatient)) {
      return problem(res, 400, 'validation_failed', 'standalonePatient is not one of the vendor\'s test patients (GET /_sandbox/patients?vendor=…).');
    }
    smart.update(parsed.data);
    res.json(settingsView(vendor));
  });

  router.get('/_sandbox/smart/ledger', (req, res) => {
    const vendor = vendorOf(req, res);
    if (vendor !== false) res.json({ entries: smart.ledger.list(vendor) });
  });

  router.delete('/_sandbox/smart/ledger', (req, res) => {
    const vendor = vendorOf(req, res);
    if (vendor === false) return;
    smart.ledger.clear(vendor);
    res.status(204).end();
  });

  /** Settings back to defaults, pending launches and codes dropped, user tokens revoked, ledger cleared. */
  router.delete('/_sandbox/smart', (req, res) => {
    const vendor = vendorOf(req, res);
    if (vendor === false) return;
    smart.reset(vendor);
    res.status(204).end();
  });

  return router;
}
