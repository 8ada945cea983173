// Loaded before anything else so OpenTelemetry can patch net, pg and ioredis.
import { startTelemetryOrExit } from '@sb/telemetry';

export const telemetry = startTelemetryOrExit('switchboard-mllp');
