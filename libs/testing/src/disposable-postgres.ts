import { processEnv } from '@sb/config';
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './processes';

const run = promisify(execFile);

/** Clusters are made under the temp dir with this prefix; one older than this was left by a crashed run. */
const DIR_PREFIX = 'sb-pg-';
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;
const START_TIMEOUT_SECONDS = 60;

export interface DisposablePostgres {
  port: number;
  /** A connection URL for `database` on this cluster (trust auth, user postgres). */
  url: (database: string) => string;
  /** Stops the server. `immediate` ends every backend without a checkpoint, as a crash would (recovery runs at the next start). */
  stop: (mode?: 'immediate' | 'fast') => Promise<void>;
  /** Starts the stopped server again on the same port and data; resolves once it accepts connections. */
  start: () => Promise<void>;
  /** Stops the server and deletes its files. */
  close: () => Promise<void>;
}

/**
 * A private PostgreSQL cluster for tests that stop or crash the database (never the
 * machine's shared server): initdb into a temp dir, a free port on 127.0.0.1, trust
 * auth, fsync off (a stopped server loses nothing the OS already holds; a machine
 * crash is not what these tests simulate). As root, the server tools run as the
 * `postgres` user (initdb refuses root). Binaries: `SB_PG_BIN`, else the newest
 * `/usr/lib/postgresql/<version>/bin`, else `PATH`.
 */
export async function startDisposablePostgres(): Promise<DisposablePostgres> {
  const bin = postgresBinDir();
  const tool = (name: string) => (bin ? join(bin, name) : name);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? postgresUser() : null;
  // As root the tools run as postgres; runuser keeps the argument vector as it is (no shell).
  const exec = (file: string, args: string[]) => (owner ? run('runuser', ['-u', owner.name, '--', file, ...args]) : run(file, args));

  sweepStaleClusters(tool('pg_ctl'), owner?.name ?? null);
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const port = await freePort();
  await exec(tool('initdb'), ['-D', data, '--no-sync', '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C']);
  const options = [`-p ${port}`, '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${dir}`, '-c fsync=off', '-c max_connections=200'].join(' ');

  let running = false;
  const start = async () => {
    try {
      await exec(tool('pg_ctl'), ['-D', data, '-l', log, '-w', '-t', String(START_TIMEOUT_SECONDS), '-o', options, 'start']);
    } catch (error) {
      throw new Error(`disposable Postgres did not start: ${(error as Error).message}\n${tail(log)}`);
    }
    running = true;
  };
  const stop = async (mode: 'immediate' | 'fast' = 'fast') => {
    if (!running) return;
    running = false;
    await exec(tool('pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
  };
  // Should the test process end without close() (a crashed run), the server must not outlive it.
  const onExit = () => {
    if (running) spawnSync(owner ? 'runuser' : tool('pg_ctl'), owner ? ['-u', owner.name, '--', tool('pg_ctl'), '-D', data, '-m', 'immediate', 'stop'] : ['-D', data, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  await start();
  return {
    port,
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    stop,
    start,
    close: async () => {
      process.off('exit', onExit);
      await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBinDir(): string | null {
  const configured = processEnv().SB_PG_BIN;
  if (configured) return configured;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

function postgresUser(): { name: string; uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root, and there is no postgres user to run the disposable cluster as');
  return { name: 'postgres', uid: Number(uid), gid: Number(gid) };
}

/** Clusters whose run crashed before close(): stopped and deleted once they are older than any run could last. */
function sweepStaleClusters(pgCtl: string, user: string | null): void {
  const now = Date.now();
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      if (now - statSync(dir).mtimeMs < STALE_AFTER_MS) continue;
      const data = join(dir, 'data');
      if (existsSync(join(data, 'postmaster.pid'))) spawnSync(user ? 'runuser' : pgCtl, user ? ['-u', user, '--', pgCtl, '-D', data, '-m', 'immediate', 'stop'] : ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another run is sweeping it, or it is not ours to touch
    }
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}
