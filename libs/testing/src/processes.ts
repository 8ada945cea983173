import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, whether this runs from source (tests) or from dist (benchmarks). */
function repositoryRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const ROOT = repositoryRoot();

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningApp {
  name: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop: () => Promise<number | null>;
  process: ChildProcess;
}

/** Starts a built app (`dist/apps/<name>/src/main.js`) as a real process; `nodeArgs` go to node before the script (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
export function startBuiltApp(name: string, env: Record<string, string | undefined>, nodeArgs: readonly string[] = []): RunningApp {
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', 'apps', name, 'src', 'main.js')], {
    cwd: ROOT,
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
