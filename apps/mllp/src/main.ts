import { telemetry } from './instrument';
import { NestFactory } from '@nestjs/core';
import { exitOnShutdownSignal } from '@sb/core';
import { loadConfig } from '@sb/config';
import { createLogger, PinoNestLogger } from '@sb/telemetry';
import { InboundHandler } from './inbound-handler';
import { MllpModule } from './mllp.module';
import { MllpServer } from './mllp-server';
import { loadMllpTls } from './mllp-tls';

/** Idle senders are disconnected after this long; they reconnect to send again. */
const IDLE_TIMEOUT_MS = 5 * 60_000;
const MAX_CONNECTIONS = 500;

async function main(): Promise<void> {
  const config = loadConfig();
  // Before anything else starts: a TLS setup that cannot work stops the process here.
  const tls = loadMllpTls(config.mllpTls);
  const logger = createLogger({ serviceName: 'mllp', level: config.logLevel });
  const app = await NestFactory.createApplicationContext(MllpModule, { logger: new PinoNestLogger(logger) });
  const handler = app.get(InboundHandler);
  const server = new MllpServer(handler, {
    maxFrameBytes: config.mllpMaxMessageBytes,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    maxConnections: MAX_CONNECTIONS,
    tls,
  });
  const port = await server.listen(config.mllpPort);
  exitOnShutdownSignal(
    async () => {
      await server.close();
      await app.close();
      await telemetry.shutdown();
    },
    (e) => logger.error({ err: e }, 'mllp did not stop cleanly'),
  );
  const clientCertificates = tls?.ca === undefined ? 'none' : tls.requireClientCert ? 'required' : 'optional';
  logger.info({ port, tls: tls !== undefined, clientCertificates }, 'mllp listening');
}

main().catch((e: unknown) => {
  process.stderr.write(`mllp failed to start: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}\n`);
  process.exit(1);
});
