import { epicSession, matchesOf, nextLink, oracleSession, oracleToken, postJson, startTestSandbox, type BundleJson, type EpicSession, type OracleSession, type TestSandbox } from '../testing/sandbox-harness';
import { FOREIGN_ORIGIN } from './apply-fault';
import { MAX_FAULT_DELAY_MS } from './fault-queue';

/** A promise that can be asked whether it has settled yet. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; readonly settled: boolean } {
  let settled = false;
  const mark = (): void => {
    settled = true;
  };
  promise.then(mark, mark);
  return {
    promise,
    get settled() {
      return settled;
    },
  };
}

/** Reads a response body as it arrives, counting the bytes received so far. */
function drain(res: Response): { readonly received: number; readonly finished: boolean; firstBytes: Promise<void>; text: Promise<string> } {
  if (!res.body) throw new Error('expected a body');
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let finished = false;
  let arrived!: () => void;
  const firstBytes = new Promise<void>((resolve) => (arrived = resolve));
  const text = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      arrived();
    }
    finished = true;
    return Buffer.concat(chunks).toString('utf8');
  })();
  return {
    get received() {
      return received;
    },
    get finished() {
      return finished;
    },
    firstBytes,
    text,
  };
}

describe('fault injection', () => {
  let sandbox: TestSandbox;
  let epic: EpicSession;
  let oracle: OracleSession;
  let epicPatient: string;
  let oraclePatient: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    epic = await epicSession(sandbox);
    oracle = await oracleSession(sandbox);
    const first = async (vendor: string) => ((await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=${vendor}`)).json()) as { id: string }[])[0]?.id as string;
    epicPatient = await first('epic');
    oraclePatient = await first('oracle');
  });
  afterEach(async () => {
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await epic.keys.close();
    await sandbox.dispose();
  });

  const inject = async (fault: Record<string, unknown>) => {
    const res = await postJson(`${sandbox.url}/_sandbox/faults`, fault);
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; remaining: number };
  };
  const readEpic = () => epic.get(`/Patient/${epicPatient}`);
  /** A request through the same server: gives it (and the client) a chance to deliver anything already due. */
  const roundTrip = async () => {
    expect((await fetch(`${sandbox.url}/_sandbox/health`)).status).toBe(200);
  };
  /** Calls through to the sandbox's `timers.wait`; `started` resolves once a hang has begun waiting. */
  const watchWaits = () => {
    const timers = sandbox.state.timers;
    const original = timers.wait.bind(timers);
    let begun!: () => void;
    const started = new Promise<void>((resolve) => (begun = resolve));
    const wait = jest.spyOn(timers, 'wait').mockImplementation((ms, abandoned) => {
      const finished = original(ms, abandoned);
      begun();
      return finished;
    });
    return { wait, started };
  };

  it('reaches Epic’s public metadata too (a failing EHR fails there), except the kinds that act on a token', async () => {
    const metadata = () => fetch(`${epic.base}/metadata`, { headers: { accept: 'application/fhir+json' } });
    await inject({ vendor: 'epic', kind: 'server-error', status: 500, count: 1 });
    expect((await metadata()).status).toBe(500);
    expect((await metadata()).status).toBe(200);
    await inject({ vendor: 'epic', kind: 'token-expiry', count: 1 });
    expect((await metadata()).status).toBe(200);
    // Still queued for the next authenticated call.
    expect(((await (await fetch(`${sandbox.url}/_sandbox/faults?vendor=epic`)).json()) as { kind: string }[]).map((f) => f.kind)).toEqual(['token-expiry']);
  });

  it('is off by default and listed, cleared per vendor', async () => {
    expect((await readEpic()).status).toBe(200);
    await inject({ vendor: 'epic', kind: 'rate-limit', count: 3 });
    await inject({ vendor: 'oracle', kind: 'server-error' });
    const listed = (await (await fetch(`${sandbox.url}/_sandbox/faults`)).json()) as { vendor: string; kind: string; remaining: number }[];
    expect(listed.map((f) => [f.vendor, f.kind, f.remaining])).toEqual([
      ['epic', 'rate-limit', 3],
      ['oracle', 'server-error', 1],
    ]);
    expect((await fetch(`${sandbox.url}/_sandbox/faults?vendor=epic`, { method: 'DELETE' })).status).toBe(204);
    expect(((await (await fetch(`${sandbox.url}/_sandbox/faults`)).json()) as unknown[]).length).toBe(1);
    expect((await postJson(`${sandbox.url}/_sandbox/faults`, { vendor: 'epic', kind: 'meteor' })).status).toBe(400);
  });

  it('rate-limit: 429 with Retry-After, then normal service', async () => {
    await inject({ vendor: 'epic', kind: 'rate-limit', retryAfterSeconds: 7 });
    const limited = await readEpic();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(((await limited.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    expect((await readEpic()).status).toBe(200);
  });

  it('server-error: a burst of count 5xx answers with the chosen status', async () => {
    await inject({ vendor: 'oracle', kind: 'server-error', count: 2, status: 502 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await oracle.get(`/Patient/${oraclePatient}`)).status);
    expect(statuses).toEqual([502, 502, 200]);
  });

  it('faults are consumed in order and do not touch the other vendor or the admin routes', async () => {
    await inject({ vendor: 'epic', kind: 'server-error' });
    await inject({ vendor: 'epic', kind: 'rate-limit' });
    expect((await fetch(`${sandbox.url}/_sandbox/health`)).status).toBe(200);
    expect((await oracle.get(`/Patient/${oraclePatient}`)).status).toBe(200);
    expect([(await readEpic()).status, (await readEpic()).status, (await readEpic()).status]).toEqual([503, 429, 200]);
  });

  // The delays run on Jest's fake clock: only setTimeout/setInterval are faked, so the
  // sockets, fetch and the token clock stay real while a fault waits for the test to
  // move time on. Nothing here measures elapsed time.
  describe('delays', () => {
    beforeEach(() => {
      jest.useFakeTimers({ doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate'] });
    });
    afterEach(() => {
      jest.useRealTimers();
      jest.restoreAllMocks();
    });

    it('hang: holds the response until delayMs has passed, then answers', async () => {
      await inject({ vendor: 'epic', kind: 'hang', delayMs: 300 });
      const hang = watchWaits();
      const response = track(readEpic());
      await Promise.race([hang.started, response.promise]);
      expect(response.settled).toBe(false);
      expect(hang.wait).toHaveBeenCalledWith(300, expect.any(Promise));

      await jest.advanceTimersByTimeAsync(299);
      await roundTrip();
      expect(response.settled).toBe(false);

      await jest.advanceTimersByTimeAsync(1);
      expect((await response.promise).status).toBe(200);
    });

    it('hang: without delayMs, holds until the client gives up (at most MAX_FAULT_DELAY_MS)', async () => {
      await inject({ vendor: 'epic', kind: 'hang' });
      const hang = watchWaits();
      const client = new AbortController();
      const outcome = track(
        fetch(`${epic.base}/Patient/${epicPatient}`, { headers: { authorization: `Bearer ${epic.token}` }, signal: client.signal }).then(
          (res) => res.status,
          (e: unknown) => (e as Error).name,
        ),
      );
      await Promise.race([hang.started, outcome.promise]);
      expect(outcome.settled).toBe(false);
      expect(hang.wait).toHaveBeenCalledWith(MAX_FAULT_DELAY_MS, expect.any(Promise));

      await jest.advanceTimersByTimeAsync(MAX_FAULT_DELAY_MS - 1);
      await roundTrip();
      expect(outcome.settled).toBe(false);

      client.abort();
      expect(await outcome.promise).toBe('AbortError');
      // The sandbox sees the client leave and stops holding (the wait ends early, unfinished).
      await expect(hang.wait.mock.results[0]?.value).resolves.toBe(false);
      expect((await readEpic()).status).toBe(200);
    });

    it('slow-drip: headers at once, the body trickles in over delayMs', async () => {
      await inject({ vendor: 'epic', kind: 'slow-drip', delayMs: 400 });
      // No time passes on the fake clock before the headers: they come at once.
      const res = await epic.get(`/Observation?patient=${epicPatient}&category=vital-signs`);
      expect(res.status).toBe(200);
      const length = Number(res.headers.get('content-length'));
      expect(length).toBeGreaterThan(0);
      const body = drain(res);
      await roundTrip();
      expect(body.received).toBe(0);

      // Halfway through delayMs: part of the body, not all of it.
      await jest.advanceTimersByTimeAsync(200);
      await Promise.race([body.firstBytes, body.text]);
      await roundTrip();
      expect(body.received).toBeGreaterThan(0);
      expect(body.received).toBeLessThan(length);
      expect(body.finished).toBe(false);

      await jest.advanceTimersByTimeAsync(200);
      const text = await body.text;
      expect(Buffer.byteLength(text)).toBe(length);
      expect(matchesOf(JSON.parse(text) as BundleJson).length).toBeGreaterThan(0);
    });
  });

  it('token-expiry: 401 as if the token expired, and the token stays dead', async () => {
    const victim = await oracleSession(sandbox);
    await inject({ vendor: 'oracle', kind: 'token-expiry' });
    const res = await victim.get(`/Patient/${oraclePatient}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await victim.get(`/Patient/${oraclePatient}`)).status).toBe(401);
    const renewed = await oracleToken(victim.tokenUrl, victim.clientId, victim.clientSecret, 'system/Patient.read');
    const { access_token: token } = (await renewed.json()) as { access_token: string };
    expect((await fetch(`${victim.base}/Patient/${oraclePatient}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } })).status).toBe(200);
  });

  it('malformed-json: a 200 whose body does not parse', async () => {
    await inject({ vendor: 'oracle', kind: 'malformed-json' });
    const res = await oracle.get(`/Patient/${oraclePatient}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith('{"resourceType":"Patient"')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('foreign-next-link: the next search page points at another host; reads do not consume it', async () => {
    await inject({ vendor: 'epic', kind: 'foreign-next-link' });
    expect((await readEpic()).status).toBe(200);
    const bundle = (await (await epic.get(`/Observation?patient=${epicPatient}&category=vital-signs&_count=2`)).json()) as BundleJson;
    expect(nextLink(bundle)?.startsWith(`${FOREIGN_ORIGIN}/epic/api/FHIR/R4/Observation?sessionID=`)).toBe(true);
    const clean = (await (await epic.get(`/Observation?patient=${epicPatient}&category=vital-signs&_count=2`)).json()) as BundleJson;
    expect(nextLink(clean)?.startsWith(epic.base)).toBe(true);
    await inject({ vendor: 'oracle', kind: 'foreign-next-link' });
    const single = (await (await oracle.get(`/Patient?_id=${oraclePatient}`)).json()) as BundleJson;
    expect(nextLink(single)?.startsWith(FOREIGN_ORIGIN)).toBe(true);
  });
});
