// Loaded before anything else so OpenTelemetry can patch http and express.
import { startTelemetryOrExit } from '@sb/telemetry';

export const telemetry = startTelemetryOrExit('switchboard-sandbox');
