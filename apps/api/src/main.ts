import { telemetry } from './instrument';
import { exitOnShutdownSignal } from '@sb/core';
import { loadConfig, redactConfig } from '@sb/config';
import { createLogger } from '@sb/telemetry';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ serviceName: 'api', level: config.logLevel });
  logger.info({ config: redactConfig(config) }, 'starting api');
  const app = await createApiApp(config, logger);
  exitOnShutdownSignal(
    async () => {
      await app.close();
      await telemetry.shutdown();
    },
    (e) => logger.error({ err: e }, 'api did not stop cleanly'),
  );
  await app.listen(config.port, '0.0.0.0');
  logger.info({ port: config.port, url: config.publicUrl }, 'api listening');
}

main().catch((e: unknown) => {
  process.stderr.write(`api failed to start: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}\n`);
  process.exit(1);
});
