import type { Request, Response, Router } from 'express';
import type { Fault } from '../faults/fault-queue';
import { sendReply, type Reply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import type { AthenaParams } from './athena-params';
import type { AthenaPractice } from './athena-practice';
import type { AthenaSimulator } from './athena-simulator';

/** One authorised request under /athena/v1/{practiceid}, as the guard hands it to a route. */
export interface AthenaCall {
  practiceId: string;
  practice: AthenaPractice;
  clientId: string;
  params: AthenaParams;
  /** The path parameters of the matched route. */
  path: Record<string, string>;
  nowMs: number;
  athena: AthenaSimulator;
  /** A fault that acts on the response (malformed body, slow drip, foreign next link). */
  fault: Fault | undefined;
}

/** What the guard leaves in res.locals for the routes. */
export type AthenaLocals = Omit<AthenaCall, 'path'>;

export type AthenaHandler = (call: AthenaCall) => Reply;

export interface AthenaRoutes {
  get(path: string, handler: AthenaHandler): void;
  put(path: string, handler: AthenaHandler): void;
  post(path: string, handler: AthenaHandler): void;
  delete(path: string, handler: AthenaHandler): void;
  /** A GET answered outside Reply (binary bodies). */
  getRaw(path: string, handler: (call: AthenaCall, res: Response) => void): void;
}

/** Registers athena handlers on an express router: each returns a Reply, delivered with the request's fault. */
export function athenaRoutes(router: Router, state: SandboxState): AthenaRoutes {
  const wrap =
    (handler: AthenaHandler) =>
    (req: Request, res: Response): void => {
      const locals = res.locals.athena as AthenaLocals;
      const reply = handler({ ...locals, path: req.params as Record<string, string> });
      sendReply(res, reply, state.timers, locals.fault);
    };
  return {
    get: (path, handler) => void router.get(path, wrap(handler)),
    put: (path, handler) => void router.put(path, wrap(handler)),
    post: (path, handler) => void router.post(path, wrap(handler)),
    delete: (path, handler) => void router.delete(path, wrap(handler)),
    getRaw: (path, handler) =>
      void router.get(path, (req: Request, res: Response) => {
        handler({ ...(res.locals.athena as AthenaLocals), path: req.params as Record<string, string> }, res);
      }),
  };
}
