import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { ATHENA_FEEDS } from '../athena/athena-change-feeds';
import type { SandboxState } from '../sandbox-state';
import { problem, zodIssues } from './problem';

const settingsSchema = z.strictObject({
  tokensPerMinute: z.int().min(1).max(10_000).optional(),
  subscriptionDelayMs: z.int().min(0).max(3_600_000).optional(),
});
const touchSchema = z.strictObject({ feed: z.enum(ATHENA_FEEDS), id: z.string().regex(/^\d{1,12}$/, 'an athena appointmentid or patientid') });

/**
 * The athena simulator's knobs: run-time settings (token quota, subscription
 * activation delay) and "touch", a change made inside the EHR that the change
 * feeds then report.
 */
export function athenaAdminRoutes(state: SandboxState): Router {
  const router = express.Router();

  router.get('/_sandbox/athena/settings', (_req, res) => {
    res.json(state.athena.settings);
  });

  router.put('/_sandbox/athena/settings', (req, res) => {
    const parsed = settingsSchema.safeParse(req.body);
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The settings are not valid.', zodIssues(parsed.error));
    const update = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
    res.json(state.athena.updateSettings(update));
  });

  router.post('/_sandbox/athena/practices/:practiceId/touch', (req: Request<{ practiceId: string }>, res) => {
    const parsed = touchSchema.safeParse(req.body);
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The touch is not valid.', zodIssues(parsed.error));
    const enqueued = state.athena.touch(req.params.practiceId, parsed.data.feed, parsed.data.id);
    if (enqueued === undefined) return problem(res, 404, 'not_found', 'No such practice, or no such record in it.');
    res.json({ practiceId: req.params.practiceId, ...parsed.data, enqueued });
  });

  return router;
}
