import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, whether this runs from source (tests) or from dist (benchmarks). */
function repositoryRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const ROOT = repositoryRoot();

/**
 * The lowest port the kernel hands to outgoing connections (Linux's `ip_local_port_range`). A port
 * the OS picked for `listen(0)` comes from that same range, so between freeing it and a started
 * app binding it, a connection to Postgres or Redis could take it (EADDRINUSE).
 */
function ephemeralPortsFrom(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}
const EPHEMERAL_FROM = ephemeralPortsFrom();
/** Where test servers' ports are drawn from: just below the ephemeral range. */
const TEST_PORTS = { from: Math.max(1_024, EPHEMERAL_FROM - 12_000), to: EPHEMERAL_FROM };

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server: Server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** Ports this process handed out already: two apps started together never get the same one. */
const handedOut = new Set<number>();

/** A TCP port that was free a moment ago, outside the range outgoing connections take theirs from. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = TEST_PORTS.from + Math.floor(Math.random() * (TEST_PORTS.to - TEST_PORTS.from));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${TEST_PORTS.from} and ${TEST_PORTS.to}`);
}

export interface RunningApp {
  name: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop: () => Promise<number | null>;
  process: ChildProcess;
}

/**
 * Starts a built app (`dist/apps/<name>/src/main.js`) as a real process; `nodeArgs` go to node before the script (e.g.
 * `--cpu-prof`, which NODE_OPTIONS refuses). `root` is the checkout whose build runs (another one's: a bench's A/B).
 */
export function startBuiltApp(name: string, env: Record<string, string | undefined>, nodeArgs: readonly string[] = [], root = ROOT): RunningApp {
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'dist', 'apps', name, 'src', 'main.js')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls `url` until it answers 200, or fails with the app's output after `timeoutMs`. */
export async function waitForOk(url: string, app: RunningApp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.process.exitCode !== null) throw new Error(`${app.name} exited early:\n${app.output()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${app.name} did not become ready at ${url}:\n${app.output()}`);
}

export interface OtlpSink {
  endpoint: string;
  /** Raw bodies of every export request received (JSON or protobuf). */
  bodies: () => Buffer[];
  close: () => Promise<void>;
}

/** A minimal OTLP/HTTP receiver that keeps what the apps export, to inspect it. */
export function startOtlpSink(): Promise<OtlpSink> {
  const bodies: Buffer[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        bodies: () => bodies,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
