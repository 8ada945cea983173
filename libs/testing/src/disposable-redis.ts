import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './processes';
import { waitForPort } from './mllp-peer';

export interface DisposableRedis {
  port: number;
  url: string;
  /** SIGKILL; nothing is kept on disk, so the next start() begins with an empty dataset. */
  kill: () => Promise<void>;
  /** Starts the killed server again (empty) on the same port; resolves once it listens. */
  start: () => Promise<void>;
  close: () => Promise<void>;
}

/** A private redis-server on its own port that keeps nothing on disk, for tests that crash Redis (never the machine's shared one). */
export async function startDisposableRedis(): Promise<DisposableRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child = started;
    await new Promise<void>((resolve, reject) => {
      started.once('error', reject);
      waitForPort(port, 10_000).then(resolve, reject);
    });
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      const current = child;
      child = null;
      if (!current || current.exitCode !== null || current.signalCode !== null) return resolve();
      current.once('exit', () => resolve());
      current.kill('SIGKILL');
    });
  // Should the test process end without close(), the server must not outlive it.
  const onExit = () => (child as ChildProcess | null)?.kill('SIGKILL');
  process.once('exit', onExit);
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    close: async () => {
      process.off('exit', onExit);
      await kill();
    },
  };
}
