import { ConfigError, loadConfig } from '@sb/config';
import { startTelemetry, type TelemetryHandle } from './start-telemetry';

/**
 * The first thing an app's `instrument` entry does: validates config (printing
 * every problem and exiting 1 when it is wrong) and starts OpenTelemetry before
 * Nest, express, pg or ioredis are loaded.
 */
export function startTelemetryOrExit(defaultServiceName: string): TelemetryHandle {
  try {
    const config = loadConfig();
    return startTelemetry({ serviceName: config.serviceName ?? defaultServiceName, otlpEndpoint: config.otlpEndpoint, sampleRatio: config.traceSampleRatio });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
