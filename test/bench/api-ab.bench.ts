/**
 * `npm run bench -- api-ab`: the api's CPU per proxied call, A against B, side by side on one stack (one sandbox,
 * Postgres and worker) in alternating rounds. It is how a change of a few per cent is judged here: these machines'
 * speed drifts by a third over minutes, so two `proxy` runs minutes apart differ by ±15 % on their own, while
 * rounds of A and B taken in turn drift together.
 *
 * A is this checkout's api, B another api process on the same stack, both started alike beside the stack's own api
 * (which only sets up). B runs another checkout's build (`AB_ROOT=/path/to/checkout`, built there with `npm run
 * build`, on the same database schema), this build with more environment (`AB_ENV='NAME=value NAME2=value2'`) or
 * node options (`AB_NODE_ARGS='--max-semi-space-size=32'`), or these together. Each api is warmed with `AB_WARMUP`
 * Patient reads and Observation searches (default 4,000 each), then `AB_ROUNDS` rounds (default 8, the order of A
 * and B swapped every round) measure `AB_CALLS` calls of each kind (default 600) at concurrency 8. Each figure is
 * the median of its rounds; CPU is the api process's own (user + system, from /proc), as in the `proxy` bench.
 * A against A has read anywhere from 0.91 to 1.05: judge a change by runs in both orientations (the old build as
 * B, then, from the old checkout, the new one as B), never by one run.
 */
import { processEnv } from '@sb/config';
import { freePort, startBuiltApp, startE2eStack, waitForOk, type RunningApp } from '@sb/testing';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBenchDatabase } from './bench-database';
import { epicBenchTenant, median } from './epic-bench-tenant';
import { runLoad, type LoadRequest } from './load';
import { cpuMsOf } from './proc-stats';

const CONCURRENCY = 8;
const env = processEnv();
/** A positive whole number from the environment, or the default; anything else is refused before a stack starts. */
function count(name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: "${env[name]}" is not a positive whole number`);
  return value;
}
const ROUNDS = count('AB_ROUNDS', 8);
const CALLS = count('AB_CALLS', 600);
const WARMUP = count('AB_WARMUP', 4_000);

interface Round {
  cpuMsPerCall: number;
  p50Ms: number;
  p99Ms: number;
}

/** `NAME=value NAME2=value2` → an environment; anything else is refused before a stack starts. */
export function parseAbEnv(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (spec ?? '').split(/\s+/).filter(Boolean)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new Error(`AB_ENV: "${pair}" is not NAME=value`);
    out[match[1] as string] = match[2] as string;
  }
  return out;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function summary(rounds: Round[]): Round & { roundsCpuMsPerCall: number[] } {
  return {
    cpuMsPerCall: round3(median(rounds.map((r) => r.cpuMsPerCall))),
    p50Ms: round3(median(rounds.map((r) => r.p50Ms))),
    p99Ms: round3(median(rounds.map((r) => r.p99Ms))),
    roundsCpuMsPerCall: rounds.map((r) => r.cpuMsPerCall),
  };
}

async function measureRound(pid: number, make: (i: number) => LoadRequest): Promise<Round> {
  const before = cpuMsOf(pid);
  const result = await runLoad(make, CALLS, CONCURRENCY);
  if (result.errors > 0) throw new Error(`${result.errors} of ${CALLS} calls failed`);
  return { cpuMsPerCall: round3((cpuMsOf(pid) - before) / CALLS), p50Ms: result.p50Ms, p99Ms: result.p99Ms };
}

export async function run(): Promise<Record<string, unknown>> {
  const bRoot = env.AB_ROOT ? resolve(env.AB_ROOT) : undefined;
  if (bRoot && !existsSync(join(bRoot, 'dist', 'apps', 'api', 'src', 'main.js'))) throw new Error(`AB_ROOT: no built api under ${bRoot} (run npm run build there)`);
  const bEnv = parseAbEnv(env.AB_ENV);
  const bNodeArgs = (env.AB_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const database = createBenchDatabase('api_ab');
  try {
    return await compare(database.url, { root: bRoot, env: bEnv, nodeArgs: bNodeArgs });
  } finally {
    await database.drop();
  }
}

async function compare(databaseUrl: string, b: { root?: string; env: Record<string, string>; nodeArgs: string[] }): Promise<Record<string, unknown>> {
  const { root: bRoot, env: bEnv, nodeArgs: bNodeArgs } = b;
  const stack = await startE2eStack('api-ab-bench', ['api', 'worker', 'sandbox'], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' });
  const started: RunningApp[] = [];
  /** Another api on the stack; A and B are both started this way (the stack's own api only sets up), so neither is favoured. */
  const startApi = async (extraEnv: Record<string, string>, nodeArgs: string[], root?: string) => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const app = startBuiltApp('api', { ...stack.env, ...extraEnv, PORT: String(port), SB_PUBLIC_URL: base }, nodeArgs, root);
    started.push(app);
    await waitForOk(`${base}/health`, app, 60_000);
    return { base, pid: app.process.pid as number };
  };
  try {
    const { key, connectionId: cid, patientId: pid } = await epicBenchTenant(stack);
    const headers = { authorization: `Bearer ${key}`, accept: 'application/fhir+json' };
    const kinds = {
      read: (base: string) => (i: number): LoadRequest => ({ method: 'GET', url: `${base}/fhir/r4/${cid}/Patient/${pid(i)}`, headers }),
      search: (base: string) => (i: number): LoadRequest => ({
        method: 'GET',
        url: `${base}/fhir/r4/${cid}/Observation?patient=${pid(i)}&category=laboratory&_count=10`,
        headers,
      }),
    };
    const apis = { a: await startApi({}, []), b: await startApi(bEnv, bNodeArgs, bRoot) };

    console.log(`api-ab bench: B = ${bRoot ?? 'this build'}${Object.keys(bEnv).length > 0 ? ` with ${Object.keys(bEnv).join(', ')}` : ''}${bNodeArgs.length > 0 ? ` under ${bNodeArgs.join(' ')}` : ''}; ${ROUNDS} rounds of ${CALLS} calls per kind and api after ${WARMUP} warm-up`);
    for (const api of [apis.a, apis.b]) for (const make of Object.values(kinds)) await runLoad(make(api.base), WARMUP, CONCURRENCY);

    const rounds = { read: { a: [] as Round[], b: [] as Round[] }, search: { a: [] as Round[], b: [] as Round[] } };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
      for (const kind of ['read', 'search'] as const) {
        for (const side of order) rounds[kind][side].push(await measureRound(apis[side].pid, kinds[kind](apis[side].base)));
      }
      const last = (kind: 'read' | 'search', side: 'a' | 'b') => rounds[kind][side].at(-1)?.cpuMsPerCall;
      console.log(`  round ${r + 1}: read A ${last('read', 'a')} B ${last('read', 'b')}, search A ${last('search', 'a')} B ${last('search', 'b')} ms CPU per call`);
    }
    const result = (kind: 'read' | 'search') => {
      const a = summary(rounds[kind].a);
      const bSummary = summary(rounds[kind].b);
      return { a, b: bSummary, cpuRatioBOverA: round3(bSummary.cpuMsPerCall / a.cpuMsPerCall), p99RatioBOverA: round3(bSummary.p99Ms / a.p99Ms) };
    };
    return { bench: 'api-ab', b: { root: bRoot ?? null, env: Object.keys(bEnv), nodeArgs: bNodeArgs }, rounds: ROUNDS, callsPerRound: CALLS, concurrency: CONCURRENCY, read: result('read'), search: result('search') };
  } finally {
    await Promise.all(started.map((app) => app.stop()));
    await stack.close();
  }
}
