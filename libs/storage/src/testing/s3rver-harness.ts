import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's built-in account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface TestS3 {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** `METHOD ?query-names` of every request, in order (`PUT ?` PutObject, `POST ?uploads` CreateMultipartUpload, …). */
  requests: string[];
  /** Multipart uploads begun and neither completed nor aborted. */
  unfinishedUploads(): string[];
  close(): Promise<void>;
}

/**
 * An in-process s3rver on an ephemeral loopback port, storing into a fresh temp dir that
 * `close` removes. s3rver 3.7.1 lacks AbortMultipartUpload (it answers 405), so a small
 * shim in front of it implements that one call on s3rver's own upload folders: the
 * driver's abort path is then checked by `unfinishedUploads()` staying empty.
 */
export async function startTestS3(bucket = 'sb-exports'): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 'sb-s3rver-'));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const uploadsDir = join(directory, bucket, '._S3rver_uploads');
  const handle = s3rver.callback();
  const requests: string[] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://s3');
    // x-id names the SDK operation; the method and the other parameter names tell them apart well enough.
    requests.push(`${req.method ?? ''} ?${[...url.searchParams.keys()].filter((name) => name !== 'x-id').join('&')}`);
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'DELETE' && uploadId !== null) {
      if (!/^[0-9a-f]{32}$/.test(uploadId)) {
        res.writeHead(404).end();
        return;
      }
      rm(join(uploadsDir, uploadId), { recursive: true, force: true }).then(
        () => res.writeHead(204).end(),
        () => res.writeHead(500).end(),
      );
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    credentials: { ...S3RVER_CREDENTIALS },
    requests,
    unfinishedUploads: () => {
      try {
        return readdirSync(uploadsDir);
      } catch {
        return [];
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
