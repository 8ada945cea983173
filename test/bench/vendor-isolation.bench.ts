/**
 * `npm run bench -- vendor-isolation`: how much one vendor's failure moves another
 * vendor's latency through the same gateway (issue 16: "other vendors' p99 moves by
 * ≤ 10 %"). Oracle Patient reads go through one api at a fixed offered rate (open loop,
 * latency counted from each call's scheduled time, so a stalled client does not hide
 * delay), alone, and beside Epic Patient reads at the same rate while Epic is healthy,
 * answers 502 to everything, or hangs (each call held until the gateway's vendor
 * timeout). Each round runs the four conditions in a rotated order so that drift of the
 * machine falls on all of them; Oracle's p99 per condition is taken over all its rounds
 * and compared with Epic healthy (the same offered load) and with Oracle alone. Also
 * reported: per-round ratios (the noise), Epic calls sent per condition (a failing
 * vendor costs the api less than a healthy one once its circuit is open), when the
 * Epic circuit opened, and that no Oracle call failed.
 */
import { processEnv } from '@sb/config';
import { startE2eStack, type E2eStack } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createBenchDatabase } from './bench-database';

const ROUNDS = Number(processEnv().VENDOR_ISOLATION_ROUNDS ?? 3);
const RATE_PER_SEC = 40;
const PHASE_MS = 20_000;
/** The hang phase outlasts the gateway's 15 s vendor timeout, so it covers the held calls and the circuit opening. */
const HANG_PHASE_MS = 30_000;
/**
 * Epic calls in flight at most (a hanging vendor would otherwise collect a socket per offered call): above the
 * 160 that hang before the circuit opens (4 s at 40/s), so the open circuit's refusals are seen when they start.
 */
const EPIC_MAX_IN_FLIGHT = 256;
const TARGET_P99_RATIO = 1.1;

type Condition = 'oracleAlone' | 'healthy' | 'epic502' | 'epicHang';
const CONDITIONS: readonly Condition[] = ['oracleAlone', 'healthy', 'epic502', 'epicHang'];
interface Sample {
  atMs: number;
  ms: number;
  status: number;
  code?: string;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
const round = (n: number): number => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One GET; its latency counts from `dueMs`, the time it was scheduled for (coordinated omission). */
function send(agent: Agent, url: string, headers: Record<string, string>, dueMs = Date.now()): Promise<Sample> {
  const atMs = dueMs;
  const started = process.hrtime.bigint() - BigInt(Math.max(0, Math.round((Date.now() - dueMs) * 1e6)));
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        let code: string | undefined;
        if ((res.statusCode ?? 0) >= 400) {
          try {
            // problem+json carries `code`; an OperationOutcome the switchboard coding of its first issue.
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: string; issue?: { details?: { coding?: { system?: string; code?: string }[] } }[] };
            code = body.code ?? body.issue?.[0]?.details?.coding?.find((c) => c.system === 'urn:switchboard:error')?.code;
          } catch {
            code = undefined;
          }
        }
        resolve({ atMs, ms, status: res.statusCode ?? 0, code });
      });
    });
    req.on('error', () => resolve({ atMs, ms: Number(process.hrtime.bigint() - started) / 1e6, status: 0 }));
    req.end();
  });
}

/** Offers `ratePerSec` calls for `durationMs`, each on schedule whatever the others do; skips a call while `maxInFlight` are out. */
async function paced(durationMs: number, maxInFlight: number, call: (i: number, dueMs: number) => Promise<Sample>): Promise<{ samples: Sample[]; skipped: number }> {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let skipped = 0;
  const startedAt = Date.now();
  for (let i = 0; ; i++) {
    const due = startedAt + (i * 1000) / RATE_PER_SEC;
    if (due - startedAt >= durationMs) break;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    if (pending.size >= maxInFlight) {
      skipped += 1;
      continue;
    }
    const p = call(i, due).then((s) => {
      samples.push(s);
      pending.delete(p);
    });
    pending.add(p);
  }
  await Promise.all(pending);
  return { samples, skipped };
}

async function sandboxFault(stack: E2eStack, method: 'POST' | 'DELETE', body?: unknown): Promise<void> {
  const res = await fetch(`${stack.sandboxUrl}/_sandbox/faults${method === 'DELETE' ? '?vendor=epic' : ''}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox fault ${method}: ${res.status}`);
}

export async function run(): Promise<Record<string, unknown>> {
  const database = createBenchDatabase('isolation');
  const stack = await startE2eStack('vendor-isolation-bench', ['api', 'worker', 'sandbox'], { DATABASE_URL: database.url, LOG_LEVEL: 'info' });
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  try {
    const { key } = await stack.newTenant(`bench-${randomUUID().slice(0, 8)}`);
    const connection = async (vendor: string) => {
      const res = await stack.call('POST', '/v1/connections', key, { name: `${vendor} sandbox`, vendor, environment: 'sandbox' });
      if (res.body.status !== 'live') throw new Error(`the ${vendor} connection did not go live`);
      return res.body.id as string;
    };
    const patients = async (vendor: string) => ((await (await fetch(`${stack.sandboxUrl}/_sandbox/patients?vendor=${vendor}`)).json()) as { id: string }[]).map((p) => p.id);
    const [epicId, oracleId] = [await connection('epic'), await connection('oracle')];
    const [epicPatients, oraclePatients] = [await patients('epic'), await patients('oracle')];
    const headers = { authorization: `Bearer ${key}`, accept: 'application/fhir+json' };
    const read = (cid: string, ids: string[]) => (i: number, dueMs?: number) => send(agent, `${stack.base}/fhir/r4/${cid}/Patient/${ids[i % ids.length]}`, headers, dueMs);
    const oracleRead = read(oracleId, oraclePatients);
    const epicRead = read(epicId, epicPatients);

    /** After a fault: until an Epic read succeeds again (the open circuit lets a trial through after 30 s). */
    const epicRecovered = async () => {
      const deadline = Date.now() + 60_000;
      while ((await epicRead(0)).status !== 200) {
        if (Date.now() > deadline) throw new Error('Epic did not recover within 60 s of the fault ending');
        await sleep(1_000);
      }
    };

    console.log(`vendor-isolation bench: ${ROUNDS} rounds of ${CONDITIONS.join(', ')} (rotated); reads at ${RATE_PER_SEC}/s per vendor`);
    // Warm-up: V8 optimizes the path over the first few thousand calls.
    await paced(15_000, EPIC_MAX_IN_FLIGHT, (i, due) => Promise.all([oracleRead(i, due), epicRead(i, due)]).then(([o]) => o));

    const oracle = Object.fromEntries(CONDITIONS.map((c) => [c, [] as Sample[]])) as Record<Condition, Sample[]>;
    const roundP99 = Object.fromEntries(CONDITIONS.map((c) => [c, [] as number[]])) as Record<Condition, number[]>;
    const epicSent = Object.fromEntries(CONDITIONS.map((c) => [c, 0])) as Record<Condition, number>;
    const circuitOpenedAfterMs: Record<'epic502' | 'epicHang', number[]> = { epic502: [], epicHang: [] };
    const faults: Record<'epic502' | 'epicHang', unknown> = {
      epic502: { vendor: 'epic', kind: 'server-error', status: 502, count: 10_000 },
      epicHang: { vendor: 'epic', kind: 'hang', count: 10_000, delayMs: 60_000 },
    };
    const phase = async (condition: Condition) => {
      const durationMs = condition === 'epicHang' ? HANG_PHASE_MS : PHASE_MS;
      if (condition === 'epic502' || condition === 'epicHang') await sandboxFault(stack, 'POST', faults[condition]);
      const startedAt = Date.now();
      const none = Promise.resolve({ samples: [] as Sample[], skipped: 0 });
      try {
        const [o, e] = await Promise.all([paced(durationMs, 1_000, oracleRead), condition === 'oracleAlone' ? none : paced(durationMs, EPIC_MAX_IN_FLIGHT, epicRead)]);
        oracle[condition].push(...o.samples);
        roundP99[condition].push(percentile(o.samples.map((s) => s.ms), 99));
        epicSent[condition] += e.samples.length;
        if (condition === 'epic502' || condition === 'epicHang') {
          // When the first refusal by the open circuit was answered.
          const refused = e.samples.filter((s) => s.code === 'dependency_unavailable').map((s) => s.atMs + s.ms - startedAt);
          if (refused.length > 0) circuitOpenedAfterMs[condition].push(Math.min(...refused));
        }
        const epicStatuses = [...new Set(e.samples.map((s) => s.status))].join('/') || 'none';
        console.log(
          `  ${condition.padEnd(11)} Oracle p50 ${round(percentile(o.samples.map((s) => s.ms), 50))} ms p99 ${round(roundP99[condition].at(-1) ?? 0)} ms (${o.samples.length} calls); Epic ${e.samples.length} sent (answered ${epicStatuses}), ${e.skipped} not sent`,
        );
      } finally {
        if (condition === 'epic502' || condition === 'epicHang') {
          await sandboxFault(stack, 'DELETE');
          await epicRecovered();
        }
      }
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < CONDITIONS.length; k++) await phase(CONDITIONS[(r + k) % CONDITIONS.length] as Condition);
    }

    const p99Of = (c: Condition) => percentile(oracle[c].map((s) => s.ms), 99);
    const failedOracle = Object.values(oracle).flat().filter((s) => s.status !== 200).length;
    const ratio = (c: Condition, base: Condition) => round(p99Of(c) / p99Of(base));
    const perRound = (c: Condition) => roundP99[c].map((p, i) => round(p / (roundP99.healthy[i] ?? p)));
    const opened = (c: 'epic502' | 'epicHang') => (circuitOpenedAfterMs[c].length > 0 ? round(Math.max(...circuitOpenedAfterMs[c]) / 1000) : null);
    console.log(
      `  Oracle p99 ${round(p99Of('oracleAlone'))} ms alone, ${round(p99Of('healthy'))} ms beside a healthy Epic; with Epic answering 502 ${round(p99Of('epic502'))} ms (${ratio('epic502', 'healthy')}×, rounds ${perRound('epic502').join('/')}), hanging ${round(p99Of('epicHang'))} ms (${ratio('epicHang', 'healthy')}×, rounds ${perRound('epicHang').join('/')}); target ≤ ${TARGET_P99_RATIO}×; ${failedOracle} Oracle calls failed`,
    );
    return {
      bench: 'vendor-isolation',
      rounds: ROUNDS,
      ratePerSec: RATE_PER_SEC,
      oracle: Object.fromEntries(
        CONDITIONS.map((c) => [c, { calls: oracle[c].length, p50Ms: round(percentile(oracle[c].map((s) => s.ms), 50)), p99Ms: round(p99Of(c)), roundP99Ms: roundP99[c].map(round) }]),
      ),
      epicSent,
      oracleFailed: failedOracle,
      circuitOpenedAfterSec: { epic502: opened('epic502'), epicHang: opened('epicHang') },
      oracleP99RatioEpic502: ratio('epic502', 'healthy'),
      oracleP99RatioEpicHang: ratio('epicHang', 'healthy'),
      oracleP99RatioEpic502VsAlone: ratio('epic502', 'oracleAlone'),
      oracleP99RatioEpicHangVsAlone: ratio('epicHang', 'oracleAlone'),
      perRoundRatios: { epic502: perRound('epic502'), epicHang: perRound('epicHang') },
      target: TARGET_P99_RATIO,
      met: { epic502: p99Of('epic502') / p99Of('healthy') <= TARGET_P99_RATIO, epicHang: p99Of('epicHang') / p99Of('healthy') <= TARGET_P99_RATIO, noOracleFailure: failedOracle === 0 },
    };
  } finally {
    agent.destroy();
    await stack.close();
    await database.drop();
  }
}
