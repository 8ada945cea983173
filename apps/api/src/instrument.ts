// Loaded before anything else so OpenTelemetry can patch http, express, pg and ioredis.
import { startTelemetryOrExit } from '@sb/telemetry';

export const telemetry = startTelemetryOrExit('switchboard-api');
