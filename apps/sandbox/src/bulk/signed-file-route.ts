import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Vendor } from '../faults/fault-queue';
import { rawQuery } from '../fhir/fhir-request';
import { sendReply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import { countDownload, fileChunks } from './bulk-files';
import { sendNdjson } from './bulk-ndjson';
import { S3_NO_SUCH_KEY, S3_SIGNATURE_ERRORS, S3_TWO_AUTH_MECHANISMS } from './signed-file-store';

/**
 * A vendor's object store for finished exports, reached only through the
 * pre-signed URLs its FHIR host redirects to: `{storePath}/{jobId}/{file}?X-Amz-…`.
 * As S3 does, it refuses a request that also carries an Authorization header
 * (400 InvalidArgument), then a bad or expired signature (403), then a
 * missing object (404). Objects are stored gzip-encoded, so every answer has
 * `Content-Encoding: gzip`, whatever the client's Accept-Encoding.
 */
export function signedFileStoreRoutes(state: SandboxState, vendor: Vendor, storePath: string): Router {
  const router = express.Router();
  router.get(`${storePath}/:jobId/:fileName`, (req: Request<{ jobId: string; fileName: string }>, res: Response, next: NextFunction) => {
    serve(req, res).catch(next);
  });

  async function serve(req: Request<{ jobId: string; fileName: string }>, res: Response): Promise<void> {
    if (req.headers.authorization !== undefined) return sendReply(res, S3_TWO_AUTH_MECHANISMS(), state.timers);
    const { jobId, fileName } = req.params;
    const check = state.bulk.signer.check(`${jobId}/${encodeURIComponent(fileName)}`, new URLSearchParams(rawQuery(req)), state.now());
    if (check !== 'ok') return sendReply(res, S3_SIGNATURE_ERRORS[check](), state.timers);
    const job = state.bulk.jobs.find(vendor, jobId);
    const chunks = job && state.bulk.jobs.stateOf(job) === 'complete' ? fileChunks(job, fileName) : undefined;
    if (!job || !chunks) return sendReply(res, S3_NO_SUCH_KEY(), state.timers);
    await sendNdjson(req, res, chunks, { gzip: 'always', headers: { 'cache-control': 'private, no-store' }, onComplete: () => countDownload(job.downloads, fileName) });
  }

  return router;
}
