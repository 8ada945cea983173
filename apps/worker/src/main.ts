import { telemetry } from './instrument';
import { exitOnShutdownSignal } from '@sb/core';
import { loadConfig } from '@sb/config';
import { createLogger } from '@sb/telemetry';
import { startWorker } from './start-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ serviceName: 'worker', level: config.logLevel });
  const app = await startWorker(logger);
  exitOnShutdownSignal(
    async () => {
      await app.close();
      await telemetry.shutdown();
    },
    (e) => logger.error({ err: e }, 'worker did not stop cleanly'),
  );
  logger.info({ concurrency: config.workerConcurrency }, 'worker processing');
}

main().catch((e: unknown) => {
  process.stderr.write(`worker failed to start: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}\n`);
  process.exit(1);
});
