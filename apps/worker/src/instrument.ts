// Loaded before anything else so OpenTelemetry can patch pg, ioredis and http.
import { startTelemetryOrExit } from '@sb/telemetry';

export const telemetry = startTelemetryOrExit('switchboard-worker');
