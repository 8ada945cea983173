/**
 * The mixed load the fault suite holds while it injects each fault: FHIR reads through the
 * facade on two vendors, FHIR writes (with an Idempotency-Key, retried as a client would) and
 * echo calls over HTTP, and HL7 v2 messages over MLLP from an at-least-once sender. Every
 * attempt is classified; what the gateway acknowledged is kept so the checks can prove it
 * was not lost.
 */
import type { CallResult, E2eStack } from '@sb/testing';
import { frame, MllpDecoder, segments } from '@sb/hl7';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * What one attempt got: `ok` (2xx, AA), `refused` (an error answer naming a code other than
 * `internal`; HL7 AE/AR with an ERR segment), `unclear` (an error answer without such a code)
 * or `unanswered` (connection refused or cut, no ACK).
 */
export type AttemptOutcome = 'ok' | 'refused' | 'unclear' | 'unanswered';

export interface Attempt {
  kind: 'epic-read' | 'oracle-read' | 'oracle-write' | 'echo' | 'hl7';
  atMs: number;
  durationMs: number;
  outcome: AttemptOutcome;
  status?: number;
  /** The error code of a refusal (`dependency_unavailable`, `hl7:AE`, …). */
  code?: string;
  /** The refusal's `reason` detail (problem+json) or its message (OperationOutcome `details.text`). */
  reason?: string;
  /** Why an attempt got no answer (the socket error code). */
  error?: string;
}

/** The tenant world one phase loads: its connections and a few sandbox patients. */
export interface PhaseWorld {
  key: string;
  tenantId: string;
  epicId: string;
  oracleId: string;
  echoId: string;
  hl7Id: string;
  facility: string;
  epicPatients: string[];
  oraclePatients: string[];
}

/** The error code of an answer: our OperationOutcome coding on FHIR routes, `code` of problem+json elsewhere. */
export function errorOf(res: CallResult): { code?: string; reason?: string } {
  const body = res.body as any;
  const coding = body?.issue?.[0]?.details?.coding?.find((c: { system?: string }) => c.system === 'urn:switchboard:error');
  const code = (coding?.code ?? (typeof body?.code === 'string' ? body.code : undefined)) as string | undefined;
  // problem+json carries `reason` among its details; an OperationOutcome only the message (`details.text`).
  const reason = body?.reason ?? body?.issue?.[0]?.details?.text;
  return { code, reason: typeof reason === 'string' ? reason : undefined };
}

/** ErrorCode.Internal: an unexpected failure (with an error id), not a refusal that tells the client what happened. */
const INTERNAL_ERROR = 'internal_error';

function classify(res: CallResult): Pick<Attempt, 'outcome' | 'status' | 'code' | 'reason'> {
  if (res.status >= 200 && res.status < 300) return { outcome: 'ok', status: res.status };
  const { code, reason } = errorOf(res);
  return { outcome: code && code !== INTERNAL_ERROR ? 'refused' : 'unclear', status: res.status, code, reason };
}

/** How often a write told "still in progress" is sent again (after its Retry-After) before the load moves on. */
const MAX_IN_PROGRESS_RETRIES = 3;

/** A clinical note for a write; the tag makes each one distinct. */
const note = (patientId: string, tag: string) => ({
  resourceType: 'DocumentReference',
  status: 'current',
  type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
  category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
  subject: { reference: `Patient/${patientId}` },
  date: new Date().toISOString(),
  content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(`Synthetic fault-suite note ${tag}.`).toString('base64') } }],
});

/**
 * FHIR and echo traffic in two lanes until stop(): one reads a patient on each vendor and
 * echoes; the other writes notes on the Oracle-like connection, retrying a write with the
 * same Idempotency-Key until it gets an answer other than "no answer" or an unclear error.
 */
export class HttpLoad {
  readonly attempts: Attempt[] = [];
  /** Writes answered 201: the resource id the gateway returned. */
  readonly writes: { key: string; id: string }[] = [];
  /** Writes still refused as "in progress" (409 with Retry-After) after the retries a client makes: key and body, to ask again later. */
  readonly inProgress: { key: string; body: unknown }[] = [];
  private stopped = false;
  private lanes: Promise<void>[] = [];

  constructor(
    private readonly stack: E2eStack,
    private readonly world: PhaseWorld,
    private readonly paceMs = 150,
  ) {}

  start(): void {
    this.lanes = [this.readLane(), this.writeLane()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.lanes);
  }

  private async attempt(kind: Attempt['kind'], send: () => Promise<CallResult>): Promise<{ res: CallResult | null; attempt: Attempt }> {
    const atMs = Date.now();
    let res: CallResult | null = null;
    let attempt: Attempt;
    try {
      res = await send();
      attempt = { kind, atMs, durationMs: Date.now() - atMs, ...classify(res) };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      attempt = { kind, atMs, durationMs: Date.now() - atMs, outcome: 'unanswered', error: cause?.code ?? (error as Error).message };
    }
    this.attempts.push(attempt);
    return { res, attempt };
  }

  private fhir(method: string, connectionId: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return () => this.stack.call(method, `/fhir/r4/${connectionId}${path}`, this.world.key, body, { accept: 'application/fhir+json', ...headers });
  }

  /** One attempt at a write (the load's, or a check's asking again about a key). */
  writeOnce(key: string, body: unknown): Promise<CallResult> {
    return this.fhir('POST', this.world.oracleId, '/DocumentReference', body, { 'content-type': 'application/fhir+json', 'idempotency-key': key })();
  }

  private async readLane(): Promise<void> {
    const { epicId, oracleId, echoId, epicPatients, oraclePatients } = this.world;
    for (let n = 0; !this.stopped; n++) {
      switch (n % 3) {
        case 0:
          await this.attempt('epic-read', this.fhir('GET', epicId, `/Patient/${epicPatients[n % epicPatients.length]}`));
          break;
        case 1:
          await this.attempt('oracle-read', this.fhir('GET', oracleId, `/Patient/${oraclePatients[n % oraclePatients.length]}`));
          break;
        default:
          await this.attempt('echo', () => this.stack.call('POST', `/v1/connections/${echoId}/echo`, this.world.key, { message: `fault load ${n}` }));
      }
      await sleep(this.paceMs);
    }
  }

  private async writeLane(): Promise<void> {
    const { oraclePatients } = this.world;
    for (let n = 0; !this.stopped; n++) {
      const key = randomUUID();
      const body = note(oraclePatients[n % oraclePatients.length] as string, key);
      // A client resends the same write (same key) until the gateway answers it one way or the other;
      // "still in progress" (409 with Retry-After) it asks again after the interval, a few times.
      for (let busy = 0; ; ) {
        const { res, attempt } = await this.attempt('oracle-write', () => this.writeOnce(key, body));
        if (res?.status === 201) this.writes.push({ key, id: (res.body as { id: string }).id });
        const retryAfter = res?.status === 409 ? res.headers.get('retry-after') : null;
        if (retryAfter !== null && !this.stopped && busy++ < MAX_IN_PROGRESS_RETRIES) {
          await sleep(Number(retryAfter) * 1000);
          continue;
        }
        if (retryAfter !== null) this.inProgress.push({ key, body });
        if (attempt.outcome === 'ok' || attempt.outcome === 'refused' || this.stopped) break;
        await sleep(this.paceMs);
      }
      await sleep(this.paceMs * 3);
    }
  }
}

/** An ADT^A04 registration of a patient of its own (so each message raises one event). */
export const registration = (facility: string, controlId: string, mrn: string) =>
  [
    `MSH|^~\\&|REG|${facility}|SWITCHBOARD|GW|20260301101500-0500||ADT^A04^ADT_A01|${controlId}|P|2.5.1`,
    'EVN|A04|20260301101500-0500',
    `PID|1||${mrn}^^^HOSP^MR||Synthetic^Fault||19800101|U`,
    'PV1|1|O',
  ].join('\r');

/** How long the sender waits for an ACK before it gives the connection up and resends. */
const ACK_TIMEOUT_MS = 5_000;

/**
 * HL7 senders (one socket each) that behave as interface engines do: one message in flight,
 * the next only after its AA; on AE/AR, a lost connection or no ACK, the same message again.
 * New messages are made until finish(), which then waits until every one made has its AA.
 */
export class Hl7Load {
  readonly attempts: Attempt[] = [];
  /** Every message made: MSH-10 → text. */
  readonly messages = new Map<string, string>();
  /** MSH-10 of every message that got AA. */
  readonly acked = new Set<string>();
  private generating = true;
  private deadlineMs = Number.POSITIVE_INFINITY;
  private lanes: Promise<void>[] = [];

  constructor(
    private readonly port: number,
    private readonly facility: string,
    private readonly tag: string,
    private readonly paceMs = 400,
    private readonly laneCount = 2,
  ) {}

  start(): void {
    this.lanes = Array.from({ length: this.laneCount }, (_, lane) => this.lane(lane));
  }

  /** Stops making messages and waits (at most `timeoutMs`) until each message made has its AA. */
  async finish(timeoutMs: number): Promise<void> {
    this.generating = false;
    this.deadlineMs = Date.now() + timeoutMs;
    await Promise.all(this.lanes);
  }

  private async lane(lane: number): Promise<void> {
    let socket: Socket | null = null;
    const decoder = new MllpDecoder();
    let waiting: ((ack: string | null) => void) | null = null;
    const open = () =>
      new Promise<Socket | null>((resolve) => {
        const s = connect(this.port, '127.0.0.1', () => resolve(s));
        s.on('error', () => resolve(null));
        s.on('data', (chunk: Buffer) => {
          for (const event of decoder.feed(chunk)) if (event.kind === 'frame') waiting?.(event.payload.toString('utf8'));
        });
        s.on('close', () => {
          if (socket === s) socket = null;
          waiting?.(null);
        });
      });
    for (let n = 0; this.generating; n++) {
      const controlId = `${this.tag}-${lane}-${n}-${randomUUID().slice(0, 6)}`;
      const text = registration(this.facility, controlId, `${this.tag}-${lane}-${n}`);
      this.messages.set(controlId, text);
      while (!this.acked.has(controlId) && Date.now() < this.deadlineMs) {
        if (!socket) {
          const atMs = Date.now();
          socket = await open();
          if (!socket) {
            // The listener is not there: an attempt that got no answer, as much as a frame without an ACK.
            this.attempts.push({ kind: 'hl7', atMs, durationMs: Date.now() - atMs, outcome: 'unanswered', error: 'ECONNREFUSED' });
            await sleep(200);
            continue;
          }
        }
        const atMs = Date.now();
        const current: Socket = socket;
        const ack = await new Promise<string | null>((resolve) => {
          const timer = setTimeout(() => resolve(null), ACK_TIMEOUT_MS);
          waiting = (a) => {
            clearTimeout(timer);
            resolve(a);
          };
          current.write(frame(text));
        });
        waiting = null;
        const msa = ack ? (segments(ack).find((s) => s[0] === 'MSA') ?? []) : [];
        const durationMs = Date.now() - atMs;
        if (ack === null) {
          current.destroy();
          socket = null;
          this.attempts.push({ kind: 'hl7', atMs, durationMs, outcome: 'unanswered' });
          await sleep(100);
        } else if (msa[1] === 'AA' || msa[1] === 'CA') {
          if (msa[2] === controlId) this.acked.add(controlId);
          this.attempts.push({ kind: 'hl7', atMs, durationMs, outcome: 'ok' });
        } else {
          const hasErr = segments(ack).some((s) => s[0] === 'ERR');
          this.attempts.push({ kind: 'hl7', atMs, durationMs, outcome: hasErr ? 'refused' : 'unclear', code: `hl7:${msa[1] ?? '?'}` });
          await sleep(300);
        }
      }
      await sleep(this.paceMs);
    }
    (socket as Socket | null)?.end();
  }
}
