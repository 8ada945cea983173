import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { decideOutcome, webhookEnvelope } from './webhook-deliverer';
import { nextAttemptAt, parseRetryAfter, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_AFTER_MAX_MS, WEBHOOK_RETRY_SCHEDULE_MS } from './webhook-retry';
import { webhookHeaders } from './webhook-signature';
import { responseExcerpt, WEBHOOK_RESPONSE_EXCERPT_CHARS } from './webhook-http';

const secret = () => `whsec_${randomBytes(24).toString('base64')}`;
const now = new Date('2026-03-01T10:00:00Z');
const DAY_MS = 86_400_000;

describe('webhook retry schedule', () => {
  it('spans at least three days over its named steps, then gives up', () => {
    const total = WEBHOOK_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(3 * DAY_MS);
    expect(total).toBeLessThan(4 * DAY_MS);
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(13);
    expect(nextAttemptAt(WEBHOOK_MAX_ATTEMPTS, now, null)).toBeNull();
    expect(decideOutcome({ statusCode: 500, retryAfter: null }, WEBHOOK_MAX_ATTEMPTS, now)).toEqual({ kind: 'exhausted' });
  });

  it('grows exponentially with ±20 % jitter', () => {
    expect(nextAttemptAt(1, now, null, () => 0.5)?.getTime()).toBe(now.getTime() + 5_000);
    expect(nextAttemptAt(1, now, null, () => 0)?.getTime()).toBe(now.getTime() + 4_000);
    expect(nextAttemptAt(1, now, null, () => 0.999_999)?.getTime()).toBeCloseTo(now.getTime() + 6_000, -1);
    expect(nextAttemptAt(3, now, null, () => 0.5)?.getTime()).toBe(now.getTime() + 120_000);
  });

  it('honours a longer Retry-After (seconds or HTTP date), capped', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now.getTime() + 600_000).toUTCString(), now)).toBe(600_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(nextAttemptAt(1, now, 3_600_000, () => 0.5)?.getTime()).toBe(now.getTime() + 3_600_000);
    expect(nextAttemptAt(1, now, 1_000, () => 0.5)?.getTime()).toBe(now.getTime() + 5_000);
    expect(nextAttemptAt(1, now, 30 * DAY_MS, () => 0.5)?.getTime()).toBe(now.getTime() + WEBHOOK_RETRY_AFTER_MAX_MS);
  });

  it('treats 2xx as success and 410 as gone; redirects and other statuses are retried', () => {
    expect(decideOutcome({ statusCode: 204, retryAfter: null }, 1, now)).toEqual({ kind: 'succeeded' });
    expect(decideOutcome({ statusCode: 410, retryAfter: null }, 1, now)).toEqual({ kind: 'gone' });
    expect(decideOutcome({ statusCode: 302, retryAfter: null }, 1, now).kind).toBe('retry');
    expect(decideOutcome({ statusCode: null, retryAfter: null }, 1, now).kind).toBe('retry');
  });
});

describe('webhook signatures (Standard Webhooks)', () => {
  it('verify with the reference library, with either secret during a rotation', () => {
    const current = secret();
    const previous = secret();
    const body = JSON.stringify({ id: 'evt', data: { a: 1 } });
    const headers = webhookHeaders({ id: 'c0ffee00-0000-4000-8000-000000000000', timestampSeconds: Math.floor(Date.now() / 1_000), body, secrets: [current, previous] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual({ id: 'evt', data: { a: 1 } });
    expect(new Webhook(previous).verify(body, headers)).toEqual({ id: 'evt', data: { a: 1 } });
    expect(() => new Webhook(secret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, headers)).toThrow();
  });
});

describe('webhook envelope', () => {
  const event = { id: 'e1', type: 'patient.admitted', version: 1, occurredAt: now, tenantId: 't1', connectionId: 'c1', data: { patient: 'Patient/1' }, full: { encounter: { resourceType: 'Encounter' } } };
  it('carries thin data by default and merges the full resources in for payload "full"', () => {
    expect(webhookEnvelope({ event, endpoint: { payload: 'thin' } as never })).toEqual({
      id: 'e1',
      type: 'patient.admitted',
      version: 1,
      timestamp: '2026-03-01T10:00:00.000Z',
      tenantId: 't1',
      connectionId: 'c1',
      data: { patient: 'Patient/1' },
    });
    expect(webhookEnvelope({ event, endpoint: { payload: 'full' } as never }).data).toEqual({ patient: 'Patient/1', encounter: { resourceType: 'Encounter' } });
    expect(webhookEnvelope({ event: { ...event, full: null }, endpoint: { payload: 'full' } as never }).data).toEqual({ patient: 'Patient/1' });
  });
});

describe('response excerpt', () => {
  it('keeps the first 512 characters (not bytes, not UTF-16 units) of the body decoded as UTF-8', () => {
    const body = `${'é'.repeat(300)}${'😀'.repeat(300)}`;
    const excerpt = responseExcerpt(Buffer.from(body, 'utf8'));
    expect(Array.from(excerpt ?? '')).toHaveLength(WEBHOOK_RESPONSE_EXCERPT_CHARS);
    expect(excerpt).toBe(`${'é'.repeat(300)}${'😀'.repeat(212)}`);
    expect(responseExcerpt(Buffer.from('{"ok":true}'))).toBe('{"ok":true}');
  });

  it('strips control characters: line breaks and tabs read as one space, the rest and bidi overrides are dropped', () => {
    expect(responseExcerpt(Buffer.from('line one\r\nline\ttwo\u0000\u0007\u001b[31m red\u007f\u0085 \u202Egnp.exe\u2066x\u2069'))).toBe('line one line two[31m red gnp.exex');
  });

  it('decodes invalid UTF-8 as replacement characters, and an empty or blank body as null', () => {
    expect(responseExcerpt(Buffer.from([0x61, 0xff, 0xfe, 0x62]))).toBe('a\uFFFD\uFFFDb');
    expect(responseExcerpt(Buffer.alloc(0))).toBeNull();
    expect(responseExcerpt(Buffer.from(' \r\n\u0000 '))).toBeNull();
  });
});
