import { Injectable } from '@nestjs/common';
import { ErrorCode, SbError } from '@sb/core';
import { Hl7InboundRepository, type Connection } from '@sb/db';
import { convertMessage, hl7DialectSchema, type ConversionOutcome, type Hl7Dialect } from '@sb/hl7';
import { z } from 'zod';
import { dialectOf } from './connection-dialect';
import { diffResources, type ResourceChange } from './resource-diff';

/** Most stored messages one preview may replay. */
export const MAX_PREVIEW_REPLAY = 500;
/** Largest message accepted for a preview (the listener's own cap is larger; previews are interactive). */
export const MAX_PREVIEW_MESSAGE_BYTES = 1024 * 1024;

export const previewRequestSchema = z
  .strictObject({
    message: z.string().min(1).max(MAX_PREVIEW_MESSAGE_BYTES).optional(),
    dialect: z.unknown().optional(),
    replay: z.number().int().min(1).max(MAX_PREVIEW_REPLAY).optional(),
  })
  .refine((b) => b.message !== undefined || b.replay !== undefined, { message: 'give a message, replay: N, or both', path: ['message'] });
export type PreviewRequest = z.infer<typeof previewRequestSchema>;

type ConversionView = { ok: true; messageType: string; resources: unknown[] } | { ok: false; error: { code: string; reason: string; location?: unknown } };

export interface ReplayRow {
  messageId: string;
  controlId: string;
  messageType: string;
  change: 'unchanged' | 'changed' | 'now_fails' | 'now_succeeds' | 'still_fails';
  /** Paths only: stored messages are PHI, the replay report is not. */
  changedPaths: string[];
}

export interface PreviewResult {
  dialectChanged: boolean;
  message?: { current: ConversionView; candidate: ConversionView; diff: ResourceChange[] };
  replay?: { replayed: number; changed: number; nowFailing: number; nowSucceeding: number; messages: ReplayRow[] };
}

const view = (o: ConversionOutcome): ConversionView =>
  o.ok ? { ok: true, messageType: o.value.messageType, resources: o.value.resources } : { ok: false, error: { code: o.error.code, reason: o.error.reason, location: o.error.location } };

/**
 * Dry-runs a dialect before anyone saves it: converts a message with the connection's
 * current dialect and with a candidate, and replays the last N stored messages
 * through both, reporting what would change. Nothing is written.
 */
@Injectable()
export class Hl7PreviewService {
  constructor(private readonly inbound: Hl7InboundRepository) {}

  async preview(connection: Connection, request: PreviewRequest): Promise<PreviewResult> {
    const current = dialectOf(connection);
    const candidate = request.dialect === undefined ? current : this.parseDialect(request.dialect);
    const convert = (raw: string, dialect: Hl7Dialect) => convertMessage(raw, dialect, { idNamespace: connection.id });
    const result: PreviewResult = { dialectChanged: request.dialect !== undefined };
    if (request.message !== undefined) {
      const before = convert(request.message, current);
      const after = convert(request.message, candidate);
      result.message = { current: view(before), candidate: view(after), diff: diffResources(before.ok ? before.value.resources : [], after.ok ? after.value.resources : []) };
    }
    if (request.replay !== undefined) {
      const stored = await this.inbound.recent(connection.tenantId, connection.id, request.replay);
      const messages = stored.map((m): ReplayRow => {
        const before = convert(m.raw, current);
        const after = convert(m.raw, candidate);
        const changedPaths = diffResources(before.ok ? before.value.resources : [], after.ok ? after.value.resources : []).map((c) => c.path);
        const change: ReplayRow['change'] =
          before.ok && !after.ok ? 'now_fails' : !before.ok && after.ok ? 'now_succeeds' : !before.ok ? 'still_fails' : changedPaths.length > 0 ? 'changed' : 'unchanged';
        return { messageId: m.id, controlId: m.controlId, messageType: m.messageType, change, changedPaths: before.ok && after.ok ? changedPaths : [] };
      });
      result.replay = {
        replayed: messages.length,
        changed: messages.filter((m) => m.change !== 'unchanged' && m.change !== 'still_fails').length,
        nowFailing: messages.filter((m) => m.change === 'now_fails').length,
        nowSucceeding: messages.filter((m) => m.change === 'now_succeeds').length,
        messages,
      };
    }
    return result;
  }

  private parseDialect(input: unknown): Hl7Dialect {
    const parsed = hl7DialectSchema.safeParse(input);
    if (parsed.success) return parsed.data;
    throw new SbError(ErrorCode.ValidationFailed, 'Invalid dialect', {
      issues: parsed.error.issues.map((i) => ({ path: ['dialect', ...i.path].join('.'), message: i.message })),
    });
  }
}
