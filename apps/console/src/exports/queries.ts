import { useMutation, useQuery, useQueryClient, type Query } from '@tanstack/react-query';
import { api, ApiError, isApiError } from '../api/client';
import type { BulkExportState, BulkExportSummary, BulkManifest } from '../api/types';
import { saveBlob } from '../ui/save-blob';
import type { ExportLevel } from './support';

export const exportKeys = {
  all: (connectionId: string) => ['bulk-exports', connectionId] as const,
  list: (connectionId: string) => [...exportKeys.all(connectionId), 'list'] as const,
  groups: (connectionId: string) => [...exportKeys.all(connectionId), 'groups'] as const,
  status: (connectionId: string, exportId: string) => [...exportKeys.all(connectionId), 'status', exportId] as const,
};

/** The states in which the worker is still at it: their status is polled for progress. */
export const RUNNING_STATES: readonly BulkExportState[] = ['requested', 'kicked_off', 'downloading'];
export const isRunning = (e: Pick<BulkExportSummary, 'status'>): boolean => RUNNING_STATES.includes(e.status);

/** What a person asks for: a level (a group's id with it), the types (none: every type) and `_since`. */
export interface ExportRequest {
  level: ExportLevel;
  groupId: string | null;
  types: string[];
  /** ISO 8601 instant. */
  since: string | null;
}

/** The Bulk Data status answer: 202 with X-Progress and Retry-After while running, 200 with the manifest when done. */
export type ExportStatus =
  | { state: 'running'; progress: string | null; percent: number | null; retryAfterSeconds: number }
  | { state: 'completed'; manifest: BulkManifest; expires: string | null };

/** Polls no faster than this, whatever Retry-After says (the API answers far faster polling with 429). */
export const MIN_POLL_SECONDS = 1;
/** When the answer has no Retry-After. */
export const DEFAULT_POLL_SECONDS = 2;
/** After a network failure, the next try. */
const NETWORK_RETRY_SECONDS = 5;

const FHIR_ASYNC = { accept: 'application/fhir+json', prefer: 'respond-async' };

/** The connection's recent exports, newest first: states, progress and counts, never PHI. */
export function useExports(connectionId: string) {
  return useQuery({
    queryKey: exportKeys.list(connectionId),
    queryFn: ({ signal }) => api.get('/v1/connections/{id}/bulk-exports', { params: { id: connectionId }, signal }).then((r) => r.items),
  });
}

/** The Group ids this connection can export (`GET /fhir/r4/{id}/Group`: ids only, membership stays with the EHR). */
export function useExportGroups(connectionId: string, enabled: boolean) {
  return useQuery({
    queryKey: exportKeys.groups(connectionId),
    queryFn: async ({ signal }) => {
      const bundle = await api.get('/fhir/r4/{connectionId}/Group', { params: { connectionId }, signal, headers: { accept: 'application/fhir+json' } });
      return (bundle.entry ?? []).map((e) => (e as { resource?: { id?: unknown } }).resource?.id).filter((id): id is string => typeof id === 'string');
    },
    enabled,
    staleTime: 5 * 60_000,
  });
}

const secondsOf = (header: string | null): number | null => {
  const n = Number(header);
  return header !== null && Number.isFinite(n) && n >= 0 ? n : null;
};

/** "42% complete" → 42 (X-Progress is free text; a number in it is read as a percentage). */
export function percentOf(progress: string | null): number | null {
  const match = /(\d{1,3}(?:\.\d+)?)\s*%/.exec(progress ?? '');
  return match ? Math.min(100, Math.round(Number(match[1]))) : null;
}

/** `…/$export-status/{id}` (the absolute Content-Location of a kick-off) → the export's id. */
export function exportIdOf(contentLocation: string | null, connectionId: string): string | null {
  if (!contentLocation) return null;
  const path = new URL(contentLocation, window.location.origin).pathname;
  const match = /\/fhir\/r4\/([^/]+)\/\$export-status\/([^/]+)$/.exec(path);
  return match && decodeURIComponent(match[1] ?? '') === connectionId ? decodeURIComponent(match[2] ?? '') : null;
}

/** A manifest file URL → its name (`output-1.Patient.ndjson`), which the typed file route takes. */
export function fileNameOf(url: string): string | null {
  const name = decodeURIComponent(new URL(url, window.location.origin).pathname.split('/').pop() ?? '');
  return /^(output|error)-\d{1,6}\.[A-Z][A-Za-z]{1,63}\.ndjson$/.test(name) ? name : null;
}

function kickOff(connectionId: string, request: ExportRequest, signal?: AbortSignal) {
  const query = { _type: request.types.length > 0 ? request.types.join(',') : undefined, _since: request.since ?? undefined };
  const init = { signal, query, headers: FHIR_ASYNC };
  switch (request.level) {
    case 'group':
      return api.exchange('/fhir/r4/{connectionId}/Group/{groupId}/$export', { ...init, params: { connectionId, groupId: request.groupId ?? '' } });
    case 'patient':
      return api.exchange('/fhir/r4/{connectionId}/Patient/$export', { ...init, params: { connectionId } });
    case 'system':
      return api.exchange('/fhir/r4/{connectionId}/$export', { ...init, params: { connectionId } });
  }
}

/** Kick-off (`Prefer: respond-async`): 202 with Content-Location; resolves with the new export's id. 429: a vendor rule refused it. */
export function useStartExport(connectionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (request: ExportRequest): Promise<string> => {
      const answer = await kickOff(connectionId, request);
      const id = exportIdOf(answer.headers.get('content-location'), connectionId);
      if (answer.status !== 202 || !id) throw new ApiError(answer.status, 'unexpected_answer', 'The export was accepted without a status URL to follow.');
      return id;
    },
    onSuccess: () => client.invalidateQueries({ queryKey: exportKeys.list(connectionId) }),
  });
}

/** How long to wait before the next status poll: Retry-After while running, nothing once it is done or failed. */
export function nextPollMs(query: Pick<Query<ExportStatus, Error>, 'state'>): number | false {
  const { data, error, status } = query.state;
  if (status === 'error') return isApiError(error) && error.status === 0 ? NETWORK_RETRY_SECONDS * 1000 : false;
  if (data?.state !== 'running') return false;
  return Math.max(MIN_POLL_SECONDS, data.retryAfterSeconds) * 1000;
}

/**
 * One export's status (`…/$export-status/{id}`), polled as its Retry-After says while it runs,
 * read once for a finished one's manifest (types, counts and file URLs: no PHI). A 500 (the
 * export failed) and a 404 (cancelled or expired) end the polling; a 429 (polled too soon)
 * just waits as told.
 */
export function useExportStatus(connectionId: string, exportId: string, enabled: boolean) {
  const client = useQueryClient();
  const key = exportKeys.status(connectionId, exportId);
  return useQuery({
    queryKey: key,
    queryFn: async ({ signal }): Promise<ExportStatus> => {
      try {
        const answer = await api.exchange('/fhir/r4/{connectionId}/$export-status/{exportId}', { params: { connectionId, exportId }, signal });
        if (answer.status === 200 && answer.body) return { state: 'completed', manifest: answer.body, expires: answer.headers.get('expires') };
        const progress = answer.headers.get('x-progress');
        return { state: 'running', progress, percent: percentOf(progress), retryAfterSeconds: secondsOf(answer.headers.get('retry-after')) ?? DEFAULT_POLL_SECONDS };
      } catch (e) {
        const previous = client.getQueryData<ExportStatus>(key);
        if (isApiError(e) && e.status === 429 && previous?.state !== 'completed') {
          return { state: 'running', progress: previous?.progress ?? null, percent: previous?.percent ?? null, retryAfterSeconds: e.retryAfterSeconds ?? DEFAULT_POLL_SECONDS };
        }
        throw e;
      }
    },
    enabled,
    refetchInterval: nextPollMs,
    // A finished export's manifest does not change; its file names are what the page uses.
    staleTime: (query) => (query.state.data?.state === 'completed' ? Infinity : 0),
    retry: false,
  });
}

/** `DELETE …/$export-status/{id}`: cancels a running export, or releases a finished one (its files are deleted). */
export function useCancelExport(connectionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (exportId: string) => api.delete('/fhir/r4/{connectionId}/$export-status/{exportId}', { params: { connectionId, exportId } }).then(() => exportId),
    onSuccess: (exportId) => {
      client.removeQueries({ queryKey: exportKeys.status(connectionId, exportId), exact: true });
      // Shown cancelled at once; the list is then read again.
      client.setQueryData<BulkExportSummary[]>(exportKeys.list(connectionId), (list) => list?.map((e) => (e.id === exportId ? { ...e, status: 'cancelled' } : e)));
      void client.invalidateQueries({ queryKey: exportKeys.list(connectionId) });
    },
  });
}

/**
 * Downloads one file (PHI) to the browser's downloads: the answer's bytes become a Blob, an
 * object URL revoked at once, and a file. The mutation resolves with nothing, so the body is
 * never kept in the query or mutation cache, storage, a URL or the console.
 */
export function useDownloadFile(connectionId: string) {
  return useMutation({
    mutationFn: async ({ exportId, fileName }: { exportId: string; fileName: string }): Promise<void> => {
      const blob = await api.download('/fhir/r4/{connectionId}/$export-file/{exportId}/{fileName}', {
        params: { connectionId, exportId, fileName },
        headers: { accept: 'application/fhir+ndjson' },
      });
      saveBlob(blob, `export-${exportId.slice(0, 8)}-${fileName}`);
    },
  });
}
