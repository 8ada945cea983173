/**
 * `npm run vault:rotate`: re-wraps every secret's data key under the primary KEK
 * (SB_VAULT_MASTER_KEY, or the configured AWS KMS / Vault transit key), seals the
 * gateway's signing keys and webhook secrets again under the current master key, then
 * says which old KEKs still wrap anything and which can be retired. Safe to interrupt
 * and run again: it resumes with the rows not yet under the primary KEK.
 * Exits 1 when any row could not be re-wrapped or re-sealed.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ResealReport } from '@sb/auth';
import { APP_CONFIG, ConfigModule, type AppConfig } from '@sb/config';
import { DbModule, SecretRepository } from '@sb/db';
import { localKekId, type RotationProgress } from '@sb/vault';
import { MasterKeyRotation, MasterKeyRotationModule } from '../apps/worker/src/master-key-rotation';

@Module({ imports: [ConfigModule, DbModule, MasterKeyRotationModule] })
class VaultRotateModule {}

const resealLine = (what: string, r: ResealReport): string => `${what}: ${r.resealed} re-sealed, ${r.unchanged} already under the master key, ${r.failed} failed`;

interface KekCount {
  kmsProvider: string;
  kekId: string;
  kekVersion: string;
  count: number;
}

// Local KEKs have one version each (a new master key is a new id); other providers version their keys.
const kekLabel = (k: { kmsProvider: string; kekId: string; kekVersion: string }): string =>
  k.kmsProvider === 'local' ? k.kekId : `${k.kekId} version ${k.kekVersion}`;
const sameKek = (x: Omit<KekCount, 'count'>, y: Omit<KekCount, 'count'>): boolean =>
  x.kmsProvider === y.kmsProvider && x.kekId === y.kekId && x.kekVersion === y.kekVersion;

/** Enough lines to show it is moving, not one per batch of a million rows. */
function progressPrinter(): (p: RotationProgress) => void {
  let lastPrinted = -1;
  return (p) => {
    const done = p.rewrapped + p.failed;
    const step = Math.max(1, Math.floor(p.total / 20));
    if (lastPrinted >= 0 && done - lastPrinted < step && done < p.total) return;
    lastPrinted = done;
    console.log(`re-wrapped ${p.rewrapped}/${p.total} (failed ${p.failed})`);
  };
}

async function main(): Promise<number> {
  const app = await NestFactory.createApplicationContext(VaultRotateModule, { logger: ['error'] });
  try {
    const config = app.get<AppConfig>(APP_CONFIG);
    // Old KEKs are those that wrapped something before this run, plus configured previous local keys.
    const before = await app.get(SecretRepository).countByKek();
    const report = await app.get(MasterKeyRotation).run(progressPrinter());
    const primary = { kmsProvider: report.kek.provider, kekId: report.kek.id, kekVersion: report.kek.version };
    const configured =
      config.kms.provider === 'local'
        ? (config.kms.previousKeys ?? []).map((key) => ({ kmsProvider: 'local', kekId: localKekId(key), kekVersion: '1', count: 0 }))
        : [];
    const old = [...before, ...configured].filter((k, i, all) => !sameKek(k, primary) && all.findIndex((o) => sameKek(o, k)) === i);

    console.log(`done: ${report.rewrapped} re-wrapped, ${report.failed} failed`);
    console.log(`primary KEK: ${report.kek.provider} ${kekLabel(primary)}`);
    if (report.remainingByKek.length === 0) console.log('remaining under other KEKs: none');
    else {
      console.log('remaining under other KEKs:');
      for (const k of report.remainingByKek) console.log(`  ${k.kmsProvider} ${kekLabel(k)}: ${k.count}`);
    }
    const { signingKeys, webhookSecrets } = report.resealed;
    console.log(resealLine('gateway signing keys', signingKeys));
    console.log(resealLine('webhook endpoints', webhookSecrets));
    const resealFailed = signingKeys.failed + webhookSecrets.failed;
    // Whatever a configured previous key sealed was opened and re-sealed; a failure is a value none of them opens.
    for (const k of old) {
      if (!report.remainingByKek.some((r) => sameKek(r, k))) console.log(`KEK ${kekLabel(k)} can be retired`);
    }
    if (report.failed > 0) {
      console.error(
        `${report.failed} secret versions could not be re-wrapped (their KEK is unknown to this configuration or retired, or the row was altered); they stay under their old KEK`,
      );
    }
    if (resealFailed > 0) {
      console.error(`${resealFailed} signing keys or webhook endpoints could not be re-sealed (sealed under a master key not in SB_VAULT_MASTER_KEY or SB_VAULT_PREVIOUS_MASTER_KEYS, or altered); they were left as they were`);
    }
    return report.failed > 0 || resealFailed > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

// Exits once output is flushed: an HTTP KMS client's keep-alive sockets would otherwise hold the process open.
const exitWhenFlushed = (code: number): void => {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
};

main().then(exitWhenFlushed, (e: unknown) => {
  console.error(`vault:rotate failed: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}`);
  exitWhenFlushed(1);
});
