import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { requestLogging, type Logger } from '@sb/telemetry';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { adminRoutes } from './admin/admin-routes';
import { epicRoutes } from './epic/epic-routes';
import { oracleRoutes } from './oracle/oracle-routes';
import { SandboxState, type SandboxStateOptions } from './sandbox-state';

export interface SandboxOptions extends SandboxStateOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Address to listen on; 127.0.0.1 unless given. */
  host?: string;
  /** Origin advertised in every URL (token endpoints, next links, Location); http://<host>:<port> unless given. */
  publicUrl?: string;
}

export interface RunningSandbox {
  /** The origin clients use, e.g. http://127.0.0.1:4000. */
  url: string;
  port: number;
  state: SandboxState;
  close(): Promise<void>;
}

/** The express app serving both simulated EHRs and the `_sandbox` admin routes. */
export function createSandboxApp(state: SandboxState, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLogging(logger));
  app.use(adminRoutes(state));
  app.use(epicRoutes(state));
  app.use(oracleRoutes(state));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: 'No such route. The EHRs live under /epic/api/FHIR/R4 and /oracle/r4/{tenantId}.' });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status === 413) {
      res.status(413).json({ error: 'payload_too_large' });
      return;
    }
    const errorId = randomUUID();
    logger.error({ err, errorId, method: req.method }, 'sandbox request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal_error', errorId });
    else res.destroy();
  });
  return app;
}

/**
 * Where to listen for a configured sandbox URL: its own address when that is
 * an IP literal, loopback for "localhost", every interface for a DNS name
 * (a container reached as http://sandbox:4000 must accept outside connections).
 */
export function listenHostFor(sandboxUrl: string): string {
  const hostname = new URL(sandboxUrl).hostname.replace(/^\[|\]$/g, '');
  if (isIP(hostname) !== 0) return hostname;
  return hostname === 'localhost' ? '127.0.0.1' : '0.0.0.0';
}

/** Builds the dataset, listens, and returns a handle that closes everything (including hung requests). */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const state = new SandboxState(options);
  const app = createSandboxApp(state, options.logger);
  const server: Server = createServer(app);
  // A hang fault holds requests open by design; a slow client must not hold the socket forever otherwise.
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const displayHost = isIP(host) === 6 ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  state.publicUrl = (options.publicUrl ?? `http://${displayHost}:${port}`).replace(/\/+$/, '');
  let closing: Promise<void> | undefined;
  return {
    url: state.publicUrl,
    port,
    state,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        state.timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
