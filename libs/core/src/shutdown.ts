/** A process gets this long to close servers, drain work and flush telemetry. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits: 0 when it finished, 1 when it
 * failed or overran. Apps close their Nest context first and flush telemetry last,
 * so the spans of the final requests are exported.
 */
export function exitOnShutdownSignal(stop: () => Promise<void>, onError: (e: unknown) => void): void {
  let stopping = false;
  const handle = (): void => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        onError(e);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}
