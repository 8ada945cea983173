import { telemetry } from './instrument';
import { exitOnShutdownSignal } from '@sb/core';
import { loadConfig } from '@sb/config';
import { createLogger } from '@sb/telemetry';
import { DEFAULT_SEED } from './dataset/generate-dataset';
import { DEFAULT_SANDBOX_MLLP_PORT } from './hl7/hl7-site';
import { listenHostFor, startSandbox } from './sandbox-server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ serviceName: 'sandbox', level: config.logLevel });
  const startedAt = Date.now();
  const sandbox = await startSandbox({
    port: config.sandboxPort,
    host: listenHostFor(config.sandboxUrl),
    publicUrl: config.sandboxUrl,
    stateDir: config.stateDir,
    logger,
    seed: DEFAULT_SEED,
    mllpPort: config.sandboxMllpPort ?? DEFAULT_SANDBOX_MLLP_PORT,
    // Only the unconfigured default may move: a configured port that is taken is an error.
    mllpPortFallback: config.sandboxMllpPort === undefined,
  });
  exitOnShutdownSignal(
    async () => {
      await sandbox.close();
      await telemetry.shutdown();
    },
    (e) => logger.error({ err: e }, 'sandbox did not stop cleanly'),
  );
  logger.info(
    { port: sandbox.port, mllpPort: sandbox.mllpPort, url: sandbox.url, seed: DEFAULT_SEED, patients: sandbox.state.dataset.patients.length, startupMs: Date.now() - startedAt },
    'sandbox EHRs listening',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`sandbox failed to start: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}\n`);
  process.exit(1);
});
