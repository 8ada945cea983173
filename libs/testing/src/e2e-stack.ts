import { processEnv } from '@sb/config';
import { randomBytes } from 'node:crypto';
import { deleteRedisKeys } from './redis-cleanup';
import { freePort, startBuiltApp, startOtlpSink, waitForOk, type OtlpSink, type RunningApp } from './processes';
import { testRedisPrefix } from './test-app';

export interface CallResult {
  status: number;
  // Responses are whatever the API returned; tests assert on their shape.
  body: any;
  headers: Headers;
  text: string;
}

/** A tenant created through the operator API, with an API key holding every tenant scope. */
export interface E2eTenant {
  id: string;
  key: string;
}

export interface E2eStack {
  base: string;
  /** The simulated EHRs, when the stack runs the sandbox app. */
  sandboxUrl: string;
  adminToken: string;
  /** The environment the apps run with, to start another app of the same stack. */
  env: Record<string, string | undefined>;
  /** Every secret the test saw (keys, tokens, secret values): scanned for in logs and spans. */
  secrets: string[];
  call: (method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) => Promise<CallResult>;
  /** A new tenant and API key (the key joins `secrets`, so leak scans look for it). */
  newTenant: (slug: string) => Promise<E2eTenant>;
  /** The process id of one of the stack's apps (benchmarks read its CPU time and memory from /proc). */
  pidOf: (app: string) => number;
  /** Stops one app and starts it again on the same environment with `nodeArgs` (a benchmark's profiled run). */
  restartApp: (app: string, nodeArgs?: readonly string[]) => Promise<void>;
  /** Stops the apps (flushing their spans) and returns everything they emitted. */
  stopAndCollect: () => Promise<{ logs: string; spans: string }>;
  close: () => Promise<void>;
}

/**
 * The built apps as real processes on the run's database, a private Redis prefix
 * and a local OTLP sink — what the e2e tests drive over HTTP.
 */
export async function startE2eStack(
  name: string,
  apps: readonly string[] = ['api', 'worker'],
  extraEnv: Record<string, string> = {},
  options: { exportSpans?: boolean; nodeArgs?: readonly string[] } = {},
): Promise<E2eStack> {
  const sink: OtlpSink = await startOtlpSink();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const sandboxPort = await freePort();
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const adminToken = `sbop_${randomBytes(24).toString('base64url')}`;
  const redisPrefix = testRedisPrefix(name);
  const env = {
    ...processEnv(),
    PORT: String(port),
    SB_PUBLIC_URL: base,
    SB_ADMIN_TOKEN: adminToken,
    SB_REDIS_PREFIX: redisPrefix,
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
    LOG_LEVEL: 'debug',
    SB_SANDBOX_PORT: String(sandboxPort),
    SB_SANDBOX_URL: sandboxUrl,
    // The health monitor's checks would race the faults other suites inject: off unless a suite turns it on.
    SB_HEALTH_CHECK_SECONDS: '0',
    ...extraEnv,
  };
  // Benchmarks measure the apps without the cost of exporting every span.
  if (options.exportSpans === false) delete (env as Record<string, string | undefined>).OTEL_EXPORTER_OTLP_ENDPOINT;
  const running: RunningApp[] = apps.map((app) => startBuiltApp(app, env, options.nodeArgs));
  try {
    const api = running.find((r) => r.name === 'api');
    if (api) await waitForOk(`${base}/health`, api, 60_000);
    const sandbox = running.find((r) => r.name === 'sandbox');
    if (sandbox) await waitForOk(`${sandboxUrl}/_sandbox/health`, sandbox, 60_000);
  } catch (error) {
    // A stack that did not come up leaves nothing running behind the failed suite.
    await Promise.all(running.map((r) => r.stop()));
    await sink.close();
    throw error;
  }

  const call: E2eStack['call'] = async (method, path, token, body, headers = {}) => {
    const send = () =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    // A pooled keep-alive socket the api closed as it was reused (a loaded test process sees the close late):
    // the request never reached the api, so a GET is sent again, as HTTP clients do for idempotent requests.
    const res = await send().catch((e: unknown) => {
      if (method === 'GET' && (e as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET') return send();
      throw e;
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };

  const secrets = [adminToken];
  const newTenant: E2eStack['newTenant'] = async (slug) => {
    const created = await call('POST', '/v1/tenants', adminToken, { name: slug, slug });
    if (created.status !== 201) throw new Error(`tenant not created: ${created.status}`);
    const key = await call('POST', `/v1/tenants/${created.body.id}/api-keys`, adminToken, { name: 'e2e' });
    if (key.status !== 201) throw new Error(`API key not created: ${key.status}`);
    secrets.push(key.body.key);
    return { id: created.body.id as string, key: key.body.key as string };
  };

  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(running.map((r) => r.stop()));
  };
  return {
    base,
    sandboxUrl,
    adminToken,
    env,
    secrets,
    call,
    newTenant,
    pidOf: (app) => {
      const pid = running.find((r) => r.name === app)?.process.pid;
      if (pid === undefined) throw new Error(`${app} is not running in this stack`);
      return pid;
    },
    restartApp: async (app, nodeArgs = []) => {
      const index = running.findIndex((r) => r.name === app);
      if (index < 0) throw new Error(`${app} is not running in this stack`);
      await running[index]!.stop();
      const restarted = startBuiltApp(app, env, nodeArgs);
      running[index] = restarted;
      if (app === 'api') await waitForOk(`${base}/health`, restarted, 60_000);
      if (app === 'sandbox') await waitForOk(`${sandboxUrl}/_sandbox/health`, restarted, 60_000);
    },
    stopAndCollect: async () => {
      await stopAll();
      return {
        logs: running.map((r) => r.output()).join('\n'),
        spans: sink.bodies().map((b) => b.toString('latin1')).join('\n'),
      };
    },
    close: async () => {
      await stopAll();
      await sink.close();
      await deleteRedisKeys(redisPrefix);
    },
  };
}

/** Asserts that none of `needles` occurs in what the run emitted (reports a short prefix, never the needle). */
export function findLeaks(emitted: { logs: string; spans: string }, needles: readonly string[]): { needle: string; where: string }[] {
  const leaks: { needle: string; where: string }[] = [];
  for (const needle of needles) {
    if (needle.length < 6) continue;
    if (emitted.logs.includes(needle)) leaks.push({ needle: `${needle.slice(0, 6)}…`, where: 'logs' });
    if (emitted.spans.includes(needle)) leaks.push({ needle: `${needle.slice(0, 6)}…`, where: 'spans' });
  }
  return leaks;
}

/**
 * Polls a Bulk Data status path as a well-behaved client: after each 202 waits as its
 * Retry-After says (the api refuses clients that poll sooner); returns the first other answer.
 * `onPending` sees each 202 (a test's checks on progress).
 */
export async function pollExportStatus(
  stack: Pick<E2eStack, 'call'>,
  path: string,
  token: string,
  options: { timeoutMs?: number; onPending?: (res: CallResult) => void } = {},
): Promise<CallResult> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const res = await stack.call('GET', path, token, undefined, { accept: 'application/json' });
    if (res.status !== 202) return res;
    options.onPending?.(res);
    if (Date.now() > deadline) throw new Error('export did not finish in time');
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? '1') * 1000));
  }
}
