import { athenaConnection, athenaContext, ScriptedAthena } from './athena-client.test-kit';
import { athenaChangesClient, formatEastern } from './changes';

describe('formatEastern', () => {
  it('formats in America/New_York, DST included, never UTC', () => {
    expect(formatEastern(new Date('2026-01-15T17:04:05Z'))).toBe('01/15/2026 12:04:05');
    expect(formatEastern(new Date('2026-07-04T03:00:00Z'))).toBe('07/03/2026 23:00:00');
    expect(formatEastern(new Date('2026-03-08T07:30:00Z'))).toBe('03/08/2026 03:30:00');
  });
});

describe('athena changes client', () => {
  let athena: ScriptedAthena;
  beforeAll(async () => {
    athena = await new ScriptedAthena().start();
  });
  afterAll(() => athena.close());
  beforeEach(() => {
    athena.seen.length = 0;
  });
  const changes = () => athenaChangesClient(athenaContext(athenaConnection(athena.url)));

  it('reads and makes subscriptions', async () => {
    athena.handler = (req) =>
      req.path.endsWith('/subscription') ? (req.method === 'GET' ? { body: { status: 'Partial', subscriptions: [] } } : { body: { success: 'true' } }) : undefined;
    await expect(changes().subscriptionStatus('appointments')).resolves.toBe('partial');
    await expect(changes().subscribe('patients')).resolves.toBeUndefined();
    expect(athena.apiRequests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /athena/v1/195900/appointments/changed/subscription',
      'POST /athena/v1/195900/patients/changed/subscription',
    ]);
    athena.handler = (req) => (req.path.endsWith('/subscription') ? { body: { success: 'false', errormessage: 'nope' } } : undefined);
    await expect(changes().subscribe('patients')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('polls a page with the replay window in Eastern time, and follows next', async () => {
    athena.handler = (req) => {
      if (!req.path.endsWith('/appointments/changed')) return undefined;
      return req.query.get('offset') ? { body: { appointments: [{ appointmentid: '2' }] } } : { body: { appointments: [{ appointmentid: '1' }], next: '/v1/195900/appointments/changed?offset=1' } };
    };
    const client = changes();
    const first = await client.pollPage('appointments', { showProcessedFrom: new Date('2026-01-15T17:04:05Z'), departmentIds: ['1', '150'], leaveUnprocessed: true });
    expect(first).toEqual({ items: [{ appointmentid: '1' }], next: '/appointments/changed?offset=1' });
    expect(Object.fromEntries(athena.apiRequests()[0]!.query)).toEqual({ showprocessedstartdatetime: '01/15/2026 12:04:05', departmentid: '1,150', leaveunprocessed: 'true' });
    await expect(client.pollPage('appointments', {}, first.next!)).resolves.toEqual({ items: [{ appointmentid: '2' }], next: null });
  });

  it('answers subscription_pending while athena says the feed needs setup, and never retries a poll', async () => {
    athena.handler = (req) => (req.path.endsWith('/changed') ? { status: 403, raw: '\n\n{"error":"Changed messages require setup (subscription) that has not been done."}' } : undefined);
    await expect(changes().pollPage('patients', {})).rejects.toMatchObject({ code: 'conflict', details: { reason: 'subscription_pending' } });
    athena.seen.length = 0;
    athena.handler = (req) => (req.path.endsWith('/changed') ? { status: 503, body: {} } : undefined);
    await expect(changes().pollPage('patients', {})).rejects.toMatchObject({ code: 'dependency_unavailable' });
    expect(athena.apiRequests()).toHaveLength(1);
  });
});
