// `npm start`: migrate and seed the database, then run every built app as a child
// process with readable, prefixed logs. Ctrl-C stops them all.
//
// Runs compiled, as dist/scripts/start.js: paths below are relative to dist/.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError, loadConfig, processEnv, redactUrl, type AppConfig } from '@sb/config';
import { formatPrefix, lineFormatter, type LineFormatOptions } from './start/log-format';

const DIST = resolve(__dirname, '..');
const ROOT = resolve(DIST, '..');
const APPS = ['api', 'worker', 'mllp', 'sandbox'] as const;
type AppName = (typeof APPS)[number];

/** How long children get to drain after SIGTERM before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;
/** How much of a failed step's stderr is kept to recognise the cause. */
const STDERR_TAIL_CHARS = 64 * 1024;
/** Exits that count as a clean stop once we asked the process to stop. */
const CLEAN_SIGNALS: ReadonlySet<string> = new Set(['SIGTERM', 'SIGINT']);
const CLEAN_CODES: ReadonlySet<number> = new Set([0, 130, 143]);

const color = process.stdout.isTTY && process.stdout.hasColors();
const prefixWidth = Math.max(...[...APPS, 'start'].map((n) => n.length + 2));
const format = (name: string, colorIndex: number): LineFormatOptions => ({ color, prefixWidth, colorIndex });
const runnerPrefix = formatPrefix('start', format('start', APPS.length));

function say(message: string): void {
  for (const line of message.split('\n')) process.stdout.write(`${runnerPrefix} ${line}\n`);
}
function complain(message: string): void {
  for (const line of message.split('\n')) process.stderr.write(`${runnerPrefix} ${line}\n`);
}

const distPath = (...parts: string[]): string => join(DIST, ...parts);
const shown = (path: string): string => relative(ROOT, path);

// ---------------------------------------------------------------------------
// Signals: a single handler for the whole run, acting on whatever phase is live.

let onStopRequest: (signal: NodeJS.Signals) => void = () => undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => onStopRequest(signal));
}

// ---------------------------------------------------------------------------
// Steps: db-migrate and seed, run to completion with their output passed through.

/** Set when a stop was requested while a step ran: the step is abandoned. */
let interrupted = false;

interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

function runStep(script: string, nodeArgs: string[]): Promise<StepResult> {
  return new Promise((resolveStep, rejectStep) => {
    const child = spawn(process.execPath, [...nodeArgs, script], {
      cwd: ROOT,
      env: processEnv(),
      stdio: ['inherit', 'inherit', 'pipe'],
    });
    let stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    onStopRequest = (signal) => {
      interrupted = true;
      child.kill(signal);
    };
    child.on('error', rejectStep);
    child.on('close', (code, signal) => resolveStep({ code, signal, stderrTail }));
  });
}

function failureHint(result: StepResult, config: AppConfig): string | undefined {
  const refused = /ECONNREFUSED|Can't reach database server|P1001|connection refused/i.test(result.stderrTail);
  if (!refused) return undefined;
  if (/:6379\b|redis/i.test(result.stderrTail)) {
    return [
      `Redis does not answer at ${redactUrl(config.redisUrl)}. Start it, e.g.:`,
      '  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
    ].join('\n');
  }
  return [
    `Postgres does not answer at ${redactUrl(config.databaseUrl)}. Start it, e.g.:`,
    '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    '  (or `docker compose up -d postgres`, or set DATABASE_URL to a running server)',
  ].join('\n');
}

async function step(label: string, script: string, nodeArgs: string[], config: AppConfig): Promise<void> {
  if (!existsSync(script)) {
    complain(`${shown(script)} is missing: run \`npm run build\` first (\`npm start\` does it for you).`);
    process.exit(1);
  }
  say(`${label}…`);
  const startedAt = Date.now();
  const result = await runStep(script, nodeArgs);
  onStopRequest = () => undefined;
  if (interrupted) {
    complain(`Interrupted during ${label.toLowerCase()}.`);
    process.exit(130);
  }
  if (result.code !== 0) {
    const how = result.signal !== null ? `was killed by ${result.signal}` : `exited with code ${String(result.code)}`;
    complain(`${label} failed: ${shown(script)} ${how}.`);
    const hint = failureHint(result, config);
    if (hint !== undefined) complain(hint);
    process.exit(1);
  }
  say(`${label} done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
}

// ---------------------------------------------------------------------------
// Apps: long-running children, stopped together.

interface RunningApp {
  name: AppName;
  child: ChildProcess;
  exited: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  killedAfterTimeout: boolean;
}

/**
 * Children run in their own process group (detached) so that a terminal's Ctrl-C
 * reaches only this runner, which then sends each child exactly one SIGTERM: a
 * NestJS app that gets SIGINT and then SIGTERM would die mid-shutdown.
 */
function signalApp(app: RunningApp, signal: NodeJS.Signals): void {
  if (app.exited || app.child.pid === undefined) return;
  try {
    process.kill(-app.child.pid, signal);
  } catch {
    app.child.kill(signal);
  }
}

function pipeLines(stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream, render: (line: string) => string): void {
  if (stream === null) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${render(line)}\n`));
}

function describeExit(app: RunningApp): string {
  return app.signal !== null ? `killed by ${app.signal}` : `exit code ${String(app.code)}`;
}

function runApps(names: AppName[]): Promise<number> {
  return new Promise((resolveRun) => {
    let stopping = false;
    let unexpected: RunningApp | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const env = processEnv();

    const apps: RunningApp[] = names.map((name) => {
      const child = spawn(process.execPath, [distPath('apps', name, 'src', 'main.js')], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const app: RunningApp = { name, child, exited: false, code: null, signal: null, killedAfterTimeout: false };
      const render = lineFormatter(name, format(name, APPS.indexOf(name)));
      pipeLines(child.stdout, process.stdout, render);
      pipeLines(child.stderr, process.stderr, render);
      child.on('error', (error) => {
        complain(`${name} could not be started: ${error.message}`);
        onExit(app, 1, null);
      });
      child.on('close', (code, signal) => onExit(app, code, signal));
      return app;
    });

    // Last resort if this process dies with children still running.
    process.on('exit', () => apps.forEach((app) => signalApp(app, 'SIGKILL')));

    function stopAll(): void {
      if (stopping) return;
      stopping = true;
      apps.forEach((app) => signalApp(app, 'SIGTERM'));
      killTimer = setTimeout(() => {
        for (const app of apps.filter((a) => !a.exited)) {
          app.killedAfterTimeout = true;
          complain(`${app.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s: killing it.`);
          signalApp(app, 'SIGKILL');
        }
      }, STOP_TIMEOUT_MS);
    }

    function onExit(app: RunningApp, code: number | null, signal: NodeJS.Signals | null): void {
      if (app.exited) return;
      Object.assign(app, { exited: true, code, signal });
      if (!stopping) {
        unexpected = app;
        complain(`${app.name} exited unexpectedly (${describeExit(app)}); stopping the others.`);
        stopAll();
      }
      if (apps.every((a) => a.exited)) {
        clearTimeout(killTimer);
        resolveRun(finish());
      }
    }

    function finish(): number {
      if (unexpected !== undefined) {
        complain(`Stopped because ${unexpected.name} exited unexpectedly (${describeExit(unexpected)}).`);
        return 1;
      }
      const unclean = apps.filter(
        (a) =>
          a.killedAfterTimeout ||
          (a.signal !== null ? !CLEAN_SIGNALS.has(a.signal) : a.code === null || !CLEAN_CODES.has(a.code)),
      );
      if (unclean.length > 0) {
        complain(`Did not stop cleanly: ${unclean.map((a) => `${a.name} (${describeExit(a)})`).join(', ')}.`);
        return 1;
      }
      say('All stopped.');
      return 0;
    }

    let requests = 0;
    onStopRequest = (signal) => {
      requests += 1;
      if (requests === 1) {
        say(`${signal}: stopping ${apps.filter((a) => !a.exited).map((a) => a.name).join(', ')} (up to ${STOP_TIMEOUT_MS / 1000} s; again to force)…`);
        stopAll();
      } else {
        complain('Forcing stop.');
        apps.forEach((app) => {
          app.killedAfterTimeout = !app.exited;
          signalApp(app, 'SIGKILL');
        });
      }
    };
  });
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      complain(error.message);
      process.exit(1);
    }
    throw error;
  }

  await step('Migrating the database', distPath('scripts', 'db-migrate.js'), ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning'], config);
  await step('Seeding', distPath('prisma', 'seed.js'), [], config);

  const built = APPS.filter((name) => existsSync(distPath('apps', name, 'src', 'main.js')));
  const missing = APPS.filter((name) => !built.includes(name));
  if (built.length === 0) {
    complain('No app is built (dist/apps/<app>/src/main.js): run `npm run build`.');
    process.exit(1);
  }
  const addresses: Partial<Record<AppName, string>> = {
    api: config.publicUrl,
    sandbox: `http://localhost:${config.sandboxPort}`,
    mllp: `tcp://localhost:${config.mllpPort}`,
  };
  say(
    [
      `Switchboard (${config.mode}): starting ${built.join(', ')}${missing.length > 0 ? ` (not built yet: ${missing.join(', ')})` : ''}.`,
      ...built.flatMap((name) => (addresses[name] ? [`  ${name.padEnd(8)} ${addresses[name]}`] : [])),
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );

  const running = runApps(built);
  if (built.includes('api') && built.includes('sandbox')) void seedSandboxConnections(config);
  process.exitCode = await running;
}

/** Polls a URL until it answers 200; false after `timeoutMs`. */
async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

/**
 * Once the api and the sandbox answer, gives the demo tenant a live connection to
 * each simulated EHR. A failure is reported, not fatal: the apps keep running.
 */
async function seedSandboxConnections(config: AppConfig): Promise<void> {
  if (!(await answers(`${config.publicUrl}/health`, 60_000)) || !(await answers(`${config.sandboxUrl}/_sandbox/health`, 60_000))) {
    complain('The api or the sandbox did not come up: demo connections were not created.');
    return;
  }
  const child = spawn(process.execPath, [distPath('prisma', 'seed-sandbox-connections.js')], { cwd: ROOT, env: processEnv(), stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  child.on('close', (code) => {
    if (code !== 0) complain(`Demo connections could not be created: ${stderr.trim().split('\n').at(-1) ?? 'unknown error'}`);
  });
}

main().catch((error: unknown) => {
  complain(`start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
