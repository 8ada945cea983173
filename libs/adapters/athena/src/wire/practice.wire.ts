import { z } from 'zod';
import { compact, optText, reqId } from './wire-primitives';
import { malformedResponse } from './wire-errors';
import { parsePage } from './wire-records';

/** A practice (`GET /{practiceid}/practiceinfo` → `{practiceinfo: [{practiceid, name…}]}`). */
export interface AthenaPractice {
  practiceId: string;
  name?: string;
}

export const practiceSchema = z
  .object({ practiceid: reqId, name: optText })
  .transform((p): AthenaPractice => compact({ practiceId: p.practiceid, name: p.name }));

/** `GET /{practiceid}/practiceinfo`: the one practice it describes. */
export function parsePracticeInfo(json: unknown): AthenaPractice {
  const page = parsePage(practiceSchema, json, 'practiceinfo', 'practice');
  if (page.items.length !== 1) throw malformedResponse('practice', ['practiceinfo']);
  return page.items[0];
}
