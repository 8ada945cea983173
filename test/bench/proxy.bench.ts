/**
 * `npm run bench -- proxy`: what the gateway adds to a Patient read and an
 * Observation search, against the same sandbox EHR called directly, at a fixed
 * concurrency. The api, worker and sandbox run as real processes on a fresh
 * database; the direct client uses its own SMART Backend Services token. The
 * athena part compares a Patient read and an Appointment search through the
 * gateway (JSON normalized and mapped to FHIR) with the athenaOne calls they make.
 * A bare reverse proxy (node:http + undici, no auth, metering or tracing) forwarding the
 * same Epic calls is the floor the gateway's throughput is judged against. The api runs
 * with telemetry exported and logs at info, as deployed; its own CPU time over the REST
 * cases gives the CPU per proxied call, and every process's CPU over each measured round what a call costs the
 * whole machine by role (api, sandbox, bare proxy, Postgres, Redis, load generator). The GraphQL Patient read runs in the same
 * rounds as the REST one, so its p99 is set against the REST p99 of the same minutes. A last run restarts the api under `--cpu-prof`
 * and summarizes where its busy time went.
 */
import { processEnv } from '@sb/config';
import { startE2eStack, type E2eStack } from '@sb/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBenchDatabase } from './bench-database';
import { epicBenchTenant, median } from './epic-bench-tenant';
import { runLoad, type LoadRequest, type LoadResult } from './load';
import { allProcessesCpuMs, cpuMsOf } from './proc-stats';
import { profileApps } from './profile-apps';

const CONCURRENCY = 8;
const REQUESTS = 1000;
/**
 * Requests before each measured case: a fresh api's CPU per call falls from ≈ 3 ms to ≈ 1.5 ms over its first
 * few thousand calls as V8 optimizes the path (with 2,000 the three rounds that followed still read 1.94, 1.73 and
 * 1.50 ms); the figures are the steady state a long-running gateway has.
 */
const WARMUP = Number(processEnv().PROXY_WARMUP ?? 5_000);
const PROFILED_REQUESTS = 2000;
/** Rounds of each Epic case (direct, bare proxy, gateway REST, and GraphQL for the read, in turn); figures are medians. */
const ROUNDS = Number(processEnv().PROXY_ROUNDS ?? 3);
const TARGETS = { gatewayCpuMsPerCall: 1, ratioVsBareProxy: 0.6, p99AddedMs: 10, graphqlP99OverRest: 1.3 };

/** Starts the bare reverse proxy as its own process, forwarding to `target` with `token`. */
async function startBareProxy(target: string, token: string): Promise<{ base: string; process: ChildProcess; stop: () => void }> {
  const child = spawn(process.execPath, [join(__dirname, 'bare-proxy.js'), target, token], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString('utf8').trim()));
    child.once('exit', (code) => reject(new Error(`bare proxy exited (${code})`)));
  });
  return { base: `http://127.0.0.1:${port}`, process: child, stop: () => child.kill('SIGTERM') };
}

type CpuLoadResult = LoadResult & { cpuMsPerCall: number; machineCpuMsPerCall: Record<string, number> };

/** The processes a call runs through, by role (api, worker, sandbox, bare proxy); set once the stack is up. */
const roles: Record<string, number> = {};

/**
 * CPU milliseconds so far by role: the named processes, Postgres and Redis (every process of theirs), this
 * process (the load generator) and everything else on the machine. A process that exits within a round takes
 * its CPU with it (a Postgres backend closed by a pool can make that role read below zero).
 */
function cpuMsByRole(): Record<string, number> {
  const own = process.cpuUsage();
  const byRole: Record<string, number> = { loadGenerator: (own.user + own.system) / 1000 };
  for (const [pid, { command, cpuMs }] of allProcessesCpuMs()) {
    if (pid === process.pid) continue;
    const role = Object.keys(roles).find((name) => roles[name] === pid) ?? (command.startsWith('postgres') ? 'postgres' : command.startsWith('redis') ? 'redis' : 'other');
    byRole[role] = (byRole[role] ?? 0) + cpuMs;
  }
  return byRole;
}

/**
 * One round of a case, with the CPU milliseconds `pid` spent per request over it, and what each role on the
 * machine spent per request: on 2 cores shared by all of them, throughput at this concurrency is bounded by
 * the sum, not by the api alone.
 */
async function measureWithCpu(pid: number, label: string, make: (i: number) => LoadRequest): Promise<CpuLoadResult> {
  const before = cpuMsOf(pid);
  const machineBefore = cpuMsByRole();
  const result = await measure(label, make, false);
  const machineAfter = cpuMsByRole();
  const cpuMsPerCall = Math.round(((cpuMsOf(pid) - before) / REQUESTS) * 1000) / 1000;
  const machineCpuMsPerCall = Object.fromEntries(
    Object.keys(machineAfter).map((role) => [role, Math.round((((machineAfter[role] ?? 0) - (machineBefore[role] ?? 0)) / REQUESTS) * 1000) / 1000]),
  );
  machineCpuMsPerCall.total = Math.round(Object.values(machineCpuMsPerCall).reduce((sum, ms) => sum + Math.max(0, ms), 0) * 1000) / 1000;
  console.log(`  ${''.padEnd(34)} ${cpuMsPerCall} ms CPU per call; the machine's: ${Object.entries(machineCpuMsPerCall).map(([role, ms]) => `${role} ${ms}`).join(', ')}`);
  return { ...result, cpuMsPerCall, machineCpuMsPerCall };
}

/** Each figure's median over the rounds; the rounds' CPU per call are kept beside it. */
function medianResult<R extends LoadResult>(rounds: R[]): R & { roundsCpuMsPerCall?: number[] } {
  const first = rounds[0] as R;
  const out = { ...first } as R & { roundsCpuMsPerCall?: number[] };
  for (const key of Object.keys(first) as (keyof R)[]) {
    if (typeof first[key] === 'number') (out as Record<keyof R, unknown>)[key] = median(rounds.map((r) => r[key] as number));
  }
  if ('cpuMsPerCall' in first) out.roundsCpuMsPerCall = rounds.map((r) => (r as unknown as CpuLoadResult).cpuMsPerCall);
  if ('machineCpuMsPerCall' in first) {
    const machine = rounds.map((r) => (r as unknown as CpuLoadResult).machineCpuMsPerCall);
    const roleNames = [...new Set(machine.flatMap((m) => Object.keys(m)))];
    (out as unknown as CpuLoadResult).machineCpuMsPerCall = Object.fromEntries(roleNames.map((role) => [role, median(machine.map((m) => m[role] ?? 0))]));
  }
  return out;
}

/**
 * Direct, bare proxy, gateway (and the same read through GraphQL, when given) in turn, ROUNDS times after one
 * warm-up each, each figure the median of its rounds: these machines' speed drifts by a third over minutes, so
 * cases measured minutes apart do not compare, and a p99 from one round set against a median of three would not
 * compare either.
 */
async function interleaved(
  name: string,
  cases: { direct: (i: number) => LoadRequest; bare: (i: number) => LoadRequest; gateway: (i: number) => LoadRequest; graphql?: (i: number) => LoadRequest },
  pids: { bare: number; api: number },
): Promise<{ direct: LoadResult; bare: CpuLoadResult; gateway: CpuLoadResult; graphql?: CpuLoadResult }> {
  const { graphql } = cases;
  for (const make of [cases.direct, cases.bare, cases.gateway, ...(graphql ? [graphql] : [])]) await runLoad(make, WARMUP, CONCURRENCY);
  const rounds = { direct: [] as LoadResult[], bare: [] as CpuLoadResult[], gateway: [] as CpuLoadResult[], graphql: [] as CpuLoadResult[] };
  for (let r = 1; r <= ROUNDS; r++) {
    rounds.direct.push(await measure(`direct ${name} (${r}/${ROUNDS})`, cases.direct, false));
    rounds.bare.push(await measureWithCpu(pids.bare, `bare proxy ${name} (${r}/${ROUNDS})`, cases.bare));
    rounds.gateway.push(await measureWithCpu(pids.api, `gateway REST ${name} (${r}/${ROUNDS})`, cases.gateway));
    if (graphql) rounds.graphql.push(await measureWithCpu(pids.api, `gateway GraphQL ${name} (${r}/${ROUNDS})`, graphql));
  }
  return {
    direct: medianResult(rounds.direct),
    bare: medianResult(rounds.bare),
    gateway: medianResult(rounds.gateway),
    ...(graphql ? { graphql: medianResult(rounds.graphql) } : {}),
  };
}

/** Restarts the api under the profiler, repeats the REST Patient read and summarizes the api's busy time. */
async function profileApi(stack: E2eStack, make: (i: number) => LoadRequest): Promise<unknown> {
  const { api } = await profileApps(
    stack,
    ['api'],
    { warmUp: () => runLoad(make, WARMUP, CONCURRENCY).then(() => undefined), measured: () => runLoad(make, PROFILED_REQUESTS, CONCURRENCY).then(() => undefined) },
    12,
  );
  return api;
}

async function directEpicToken(sandboxUrl: string): Promise<{ base: string; token: string; close: () => Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS384', use: 'sig' };
  const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const clientId = `bench-${randomUUID()}`;
  const reg = (await (
    await fetch(`${sandboxUrl}/_sandbox/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vendor: 'epic', clientId, jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` }),
    })
  ).json()) as { fhirBaseUrl: string; tokenUrl: string };
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS384', kid: 'bench' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(reg.tokenUrl)
    .setExpirationTime(now + 240)
    .sign(privateKey);
  const res = await fetch(reg.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  return { base: reg.fhirBaseUrl, token, close: () => new Promise((r) => jwks.close(() => r())) };
}

/** A second app registered at the simulated athena practice, with its own token: the direct baseline. */
async function directAthena(sandboxUrl: string): Promise<{ base: string; token: string; departmentIds: string[] }> {
  const reg = (await (
    await fetch(`${sandboxUrl}/_sandbox/clients`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendor: 'athena' }) })
  ).json()) as { clientId: string; clientSecret: string; athenaBaseUrl: string; tokenUrl: string; practiceId: string };
  const res = await fetch(reg.tokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${reg.clientId}:${reg.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'athena/service/Athenanet.MDP.*' }),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  const base = `${reg.athenaBaseUrl}/v1/${reg.practiceId}`;
  const departments = (await (await fetch(`${base}/departments`, { headers: { authorization: `Bearer ${token}` } })).json()) as { departments: { departmentid: string | number }[] };
  return { base, token, departmentIds: departments.departments.map((d) => String(d.departmentid)) };
}

const usDay = (d: Date): string => `${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${d.getUTCFullYear()}`;

async function measure(label: string, make: (i: number) => LoadRequest, warm = true): Promise<LoadResult> {
  if (warm) await runLoad(make, WARMUP, CONCURRENCY);
  const result = await runLoad(make, REQUESTS, CONCURRENCY);
  console.log(`  ${label.padEnd(34)} p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  ${result.throughputPerSec} req/s  errors ${result.errors}`);
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} requests failed`);
  return result;
}

export async function run(): Promise<Record<string, unknown>> {
  const database = createBenchDatabase('proxy');
  try {
    return await measureAll(database.url);
  } finally {
    await database.drop();
  }
}

async function measureAll(databaseUrl: string): Promise<Record<string, unknown>> {
  const stack = await startE2eStack('proxy-bench', ['api', 'worker', 'sandbox'], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' });
  try {
    const { key, connectionId: cid, patientId: pid } = await epicBenchTenant(stack);
    const direct = await directEpicToken(stack.sandboxUrl);
    const directHeaders = { authorization: `Bearer ${direct.token}`, accept: 'application/fhir+json' };
    const gatewayHeaders = { authorization: `Bearer ${key}`, accept: 'application/fhir+json' };
    const gql = (query: string): LoadRequest => ({
      method: 'POST',
      url: `${stack.base}/graphql`,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const obsQuery = (i: number) => `patient=${pid(i)}&category=laboratory&_count=10`;

    console.log(`proxy bench: ${REQUESTS} requests per case and round at concurrency ${CONCURRENCY} (after ${WARMUP} warm-up), REST cases in ${ROUNDS} interleaved rounds (medians)`);
    const bare = await startBareProxy(direct.base, direct.token);
    const apiPid = stack.pidOf('api');
    const readOf = (base: string, headers: Record<string, string>) => (i: number): LoadRequest => ({ method: 'GET', url: `${base}/Patient/${pid(i)}`, headers });
    const searchOf = (base: string, headers: Record<string, string>) => (i: number): LoadRequest => ({ method: 'GET', url: `${base}/Observation?${obsQuery(i)}`, headers });
    const gatewayBase = `${stack.base}/fhir/r4/${cid}`;
    const pids = { bare: bare.process.pid as number, api: apiPid };
    Object.assign(roles, { api: apiPid, bareProxy: pids.bare, worker: stack.pidOf('worker'), sandbox: stack.pidOf('sandbox') });
    let directRead: LoadResult, bareRead: CpuLoadResult, restRead: CpuLoadResult, gqlRead: CpuLoadResult;
    let directSearch: LoadResult, bareSearch: CpuLoadResult, restSearch: CpuLoadResult;
    try {
      const read = await interleaved(
        'Patient read',
        {
          direct: readOf(direct.base, directHeaders),
          bare: readOf(bare.base, directHeaders),
          gateway: readOf(gatewayBase, gatewayHeaders),
          graphql: (i) => gql(`{ patient(connectionId: "${cid}", id: "${pid(i)}") { id name } }`),
        },
        pids,
      );
      if (!read.graphql) throw new Error('the GraphQL read was not measured');
      ({ direct: directRead, bare: bareRead, gateway: restRead, graphql: gqlRead } = read);
      ({ direct: directSearch, bare: bareSearch, gateway: restSearch } = await interleaved(
        'Observation search',
        { direct: searchOf(direct.base, directHeaders), bare: searchOf(bare.base, directHeaders), gateway: searchOf(gatewayBase, gatewayHeaders) },
        pids,
      ));
    } finally {
      bare.stop();
    }
    await direct.close();

    // athena: the per-practice budget is lifted for the bench (the default, 5 requests a second, is athena preview's).
    const athenaConnection = await stack.call('POST', '/v1/connections', key, {
      name: 'athena sandbox',
      vendor: 'athena',
      environment: 'sandbox',
      dialect: { requestsPerSecond: 10_000 },
    });
    if (athenaConnection.body.status !== 'live') throw new Error('the athena bench connection did not go live');
    const aid = athenaConnection.body.id as string;
    const athenaPatients = (await (await fetch(`${stack.sandboxUrl}/_sandbox/patients?vendor=athena`)).json()) as { id: string; mrn: string }[];
    const athena = await directAthena(stack.sandboxUrl);
    const athenaHeaders = { authorization: `Bearer ${athena.token}` };
    const ap = (i: number) => athenaPatients[i % athenaPatients.length]!;
    const apptWindow = `startdate=${usDay(new Date(Date.UTC(2000, 0, 1)))}&enddate=${usDay(new Date(Date.UTC(2100, 0, 1)))}`;
    const directAthenaRead = await measure('direct athena patient read', (i) => ({ method: 'GET', url: `${athena.base}/patients/${ap(i).mrn}`, headers: athenaHeaders }));
    const restAthenaRead = await measure('gateway REST athena Patient read', (i) => ({ method: 'GET', url: `${stack.base}/fhir/r4/${aid}/Patient/${ap(i).id}`, headers: gatewayHeaders }));
    const directAthenaAppts = await measure('direct athena booked appointments', (i) => ({
      method: 'GET',
      url: `${athena.base}/appointments/booked/multipledepartment?departmentid=${athena.departmentIds.join(',')}&${apptWindow}&patientid=${ap(i).mrn}&showcancelled=true`,
      headers: athenaHeaders,
    }));
    const restAthenaAppts = await measure('gateway REST athena Appointment search', (i) => ({
      method: 'GET',
      url: `${stack.base}/fhir/r4/${aid}/Appointment?patient=${ap(i).id}`,
      headers: gatewayHeaders,
    }));
    const athenaP99AddedMs = Math.max(restAthenaRead.p99Ms - directAthenaRead.p99Ms, restAthenaAppts.p99Ms - directAthenaAppts.p99Ms);
    const athenaThroughputRatio = Math.min(restAthenaRead.throughputPerSec / directAthenaRead.throughputPerSec, restAthenaAppts.throughputPerSec / directAthenaAppts.throughputPerSec);

    const p99AddedMs = Math.max(restRead.p99Ms - directRead.p99Ms, restSearch.p99Ms - directSearch.p99Ms);
    const throughputRatio = Math.min(restRead.throughputPerSec / directRead.throughputPerSec, restSearch.throughputPerSec / directSearch.throughputPerSec);
    const ratioVsBareProxy = Math.min(restRead.throughputPerSec / bareRead.throughputPerSec, restSearch.throughputPerSec / bareSearch.throughputPerSec);
    const gatewayCpuMsPerCall = Math.max(restRead.cpuMsPerCall, restSearch.cpuMsPerCall);
    const graphqlP99OverRest = gqlRead.p99Ms / restRead.p99Ms;
    const round = (n: number) => Math.round(n * 100) / 100;
    const met = {
      gatewayCpuMsPerCall: gatewayCpuMsPerCall <= TARGETS.gatewayCpuMsPerCall,
      ratioVsBareProxy: ratioVsBareProxy >= TARGETS.ratioVsBareProxy,
      p99AddedMs: p99AddedMs <= TARGETS.p99AddedMs,
      graphqlP99OverRest: graphqlP99OverRest <= TARGETS.graphqlP99OverRest,
    };
    console.log(`  athena: p99 added ${round(athenaP99AddedMs)} ms, throughput ${round(athenaThroughputRatio)}× direct`);
    console.log(
      `  api CPU ${gatewayCpuMsPerCall} ms per call (target ≤ ${TARGETS.gatewayCpuMsPerCall}), throughput ${round(ratioVsBareProxy)}× the bare proxy (target ≥ ${TARGETS.ratioVsBareProxy}), ` +
        `${round(throughputRatio)}× direct, p99 added ${round(p99AddedMs)} ms (target ≤ ${TARGETS.p99AddedMs}), GraphQL p99 ${round(graphqlP99OverRest)}× REST (target ≤ ${TARGETS.graphqlP99OverRest})`,
    );
    console.log(`  profiling the api over ${PROFILED_REQUESTS} REST Patient reads…`);
    const profile = await profileApi(stack, readOf(gatewayBase, gatewayHeaders));
    return {
      bench: 'proxy',
      concurrency: CONCURRENCY,
      requestsPerCase: REQUESTS,
      rounds: ROUNDS,
      direct: { patientRead: directRead, observationSearch: directSearch },
      bareProxy: { patientRead: bareRead, observationSearch: bareSearch },
      gatewayRest: { patientRead: restRead, observationSearch: restSearch },
      gatewayGraphql: { patientRead: gqlRead },
      athena: {
        direct: { patientRead: directAthenaRead, appointmentSearch: directAthenaAppts },
        gatewayRest: { patientRead: restAthenaRead, appointmentSearch: restAthenaAppts },
        p99AddedMs: round(athenaP99AddedMs),
        throughputRatio: round(athenaThroughputRatio),
      },
      gatewayCpuMsPerCall,
      // Medians over the Patient read's rounds: what a call costs the whole machine through each path.
      machineCpuMsPerCall: { bareProxyRead: bareRead.machineCpuMsPerCall, gatewayRestRead: restRead.machineCpuMsPerCall },
      ratioVsBareProxy: round(ratioVsBareProxy),
      throughputRatio: round(throughputRatio),
      p99AddedMs: round(p99AddedMs),
      graphqlP99OverRest: round(graphqlP99OverRest),
      targets: TARGETS,
      met,
      apiProfile: profile,
    };
  } finally {
    await stack.close();
  }
}
