import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { requestTelemetry, type Logger } from '@sb/telemetry';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { adminRoutes } from './admin/admin-routes';
import { athenaServerRoutes } from './athena/athena-routes';
import { epicRoutes } from './epic/epic-routes';
import { hl7Routes } from './hl7/hl7-routes';
import { Hl7Site } from './hl7/hl7-site';
import { oracleRoutes } from './oracle/oracle-routes';
import { SandboxState, type SandboxStateOptions } from './sandbox-state';
import { smartRoutes } from './smart/smart-routes';

export interface SandboxOptions extends SandboxStateOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Address to listen on; 127.0.0.1 unless given. */
  host?: string;
  /** Origin advertised in every URL (token endpoints, next links, Location); http://<host>:<port> unless given. */
  publicUrl?: string;
  /** The HL7 v2 site's inbound MLLP port, on the same host; 0 (the default) picks a free port. */
  mllpPort?: number;
  /** When `mllpPort` is taken, listen on a free port instead of failing (for the unconfigured default). */
  mllpPortFallback?: boolean;
}

export interface RunningSandbox {
  /** The origin clients use, e.g. http://127.0.0.1:4000. */
  url: string;
  port: number;
  state: SandboxState;
  /** The simulated hospital's HL7 v2 interface. */
  hl7: Hl7Site;
  /** Where `hl7` takes orders and notes over MLLP. */
  mllpPort: number;
  close(): Promise<void>;
}

/** The express app serving the simulated EHRs (Epic, Oracle, athena), the `_sandbox` admin routes and, given the HL7 site, its `/_sandbox/hl7` routes. */
export function createSandboxApp(state: SandboxState, logger: Logger, hl7?: Hl7Site): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestTelemetry(logger));
  // Before the admin routes, whose /_sandbox catch-all answers 404.
  if (hl7) app.use(hl7Routes(hl7));
  app.use(adminRoutes(state));
  // Before the vendors: SMART authorize, the user grants at their token endpoints, discovery they lack.
  app.use(smartRoutes(state));
  app.use(epicRoutes(state));
  app.use(oracleRoutes(state));
  app.use(athenaServerRoutes(state));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: 'No such route. The EHRs live under /epic/api/FHIR/R4, /oracle/r4/{tenantId}, /athena/v1/{practiceid} and /athena/fhir/r4.' });
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
  const host = options.host ?? '127.0.0.1';
  const hl7 = new Hl7Site(state.dataset, options.logger);
  const mllpPort = await hl7.listen(options.mllpPort ?? 0, host, { fallbackToEphemeral: options.mllpPortFallback });
  const app = createSandboxApp(state, options.logger, hl7);
  const server: Server = createServer(app);
  // A hang fault holds requests open by design; a slow client must not hold the socket forever otherwise.
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await hl7.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const displayHost = isIP(host) === 6 ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  state.publicUrl = (options.publicUrl ?? `http://${displayHost}:${port}`).replace(/\/+$/, '');
  let closing: Promise<void> | undefined;
  return {
    url: state.publicUrl,
    port,
    state,
    hl7,
    mllpPort,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        state.timers.clear();
        const httpClosed = new Promise<void>((done) => server.close(() => done()));
        server.closeAllConnections();
        void Promise.all([httpClosed, hl7.close()]).then(() => resolve());
      })),
  };
}
