import { Alert, Badge, Button, Card, Code, Group, Loader, Progress, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { isApiError } from '../api/client';
import type { BulkExportState, BulkExportSummary, BulkManifest } from '../api/types';
import { ErrorState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { describeExport, instantLabel } from './describe';
import { exportKeys, fileNameOf, isRunning, RUNNING_STATES, useDownloadFile, useExportStatus } from './queries';

const BADGES: Record<BulkExportState, { label: string; color: string }> = {
  requested: { label: 'Running', color: 'blue' },
  kicked_off: { label: 'Running', color: 'blue' },
  downloading: { label: 'Running', color: 'blue' },
  completed: { label: 'Complete', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
  cancelled: { label: 'Cancelled', color: 'gray' },
  expired: { label: 'Expired', color: 'gray' },
};

interface FileRow {
  kind: 'output' | 'error';
  type: string;
  count: number | undefined;
  fileName: string;
}

function rowsOf(manifest: BulkManifest): FileRow[] {
  const rows: FileRow[] = [];
  for (const f of manifest.output) {
    const fileName = fileNameOf(f.url);
    if (fileName) rows.push({ kind: 'output', type: f.type, count: f.count, fileName });
  }
  for (const f of manifest.error) {
    const fileName = fileNameOf(f.url);
    if (fileName) rows.push({ kind: 'error', type: f.type, count: f.count, fileName });
  }
  return rows;
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** Resources per type over a manifest's output files (a type may span several files). */
function countsOf(manifest: BulkManifest): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of manifest.output) counts[f.type] = (counts[f.type] ?? 0) + (f.count ?? 0);
  return counts;
}

/** A completed export's files (from its manifest) with their counts and, with the PHI grant, a download each. */
function Files({ connectionId, exportId, manifest, expires, canDownload }: { connectionId: string; exportId: string; manifest: BulkManifest; expires: string | null; canDownload: boolean }) {
  const download = useDownloadFile(connectionId);
  const rows = rowsOf(manifest);
  const outputs = rows.filter((r) => r.kind === 'output');
  const lastFile = download.variables?.fileName;
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        Data as of {formatDateTime(manifest.transactionTime)}
        {expires ? ` · files kept until ${formatDateTime(new Date(expires).toISOString())}` : ''}
      </Text>
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={520}>
          <Table aria-label="Files" verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Type</Table.Th>
                <Table.Th scope="col" style={{ textAlign: 'right' }}>
                  Resources
                </Table.Th>
                <Table.Th scope="col">File</Table.Th>
                {canDownload && (
                  <Table.Th scope="col">
                    <VisuallyHidden>Download</VisuallyHidden>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.fileName}>
                  <Table.Td>
                    {r.type}
                    {r.kind === 'error' && (
                      <Badge ml="xs" size="sm" variant="light" color="orange">
                        issues
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td style={{ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>{r.count === undefined ? '—' : r.count.toLocaleString()}</Table.Td>
                  <Table.Td>
                    <Code>{r.fileName}</Code>
                  </Table.Td>
                  {canDownload && (
                    <Table.Td style={{ textAlign: 'right' }}>
                      <Button
                        size="xs"
                        variant="light"
                        aria-label={`Download ${r.fileName}`}
                        loading={download.isPending && lastFile === r.fileName}
                        disabled={download.isPending && lastFile !== r.fileName}
                        onClick={() => download.mutate({ exportId, fileName: r.fileName })}
                      >
                        Download
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {canDownload && outputs.length > 0 && (
        <Text size="xs" c="dimmed">
          Files hold patient data: they go to your browser’s downloads. Every download is recorded in the audit log.
        </Text>
      )}
      {download.error && <ErrorState title={`Could not download ${lastFile ?? 'the file'}`} error={download.error} />}
    </Stack>
  );
}

/**
 * One export: what it asked for, then its progress (polled as Retry-After says), its files with
 * counts, or why it failed; and the action that fits (cancel while running, delete once complete).
 */
export function ExportCard({
  connectionId,
  summary,
  showFiles,
  canDownload,
  canCancel,
  onShowFiles,
  onCancel,
}: {
  connectionId: string;
  summary: BulkExportSummary;
  showFiles: boolean;
  canDownload: boolean;
  canCancel: boolean;
  onShowFiles: (show: boolean) => void;
  onCancel: () => void;
}) {
  const client = useQueryClient();
  const running = isRunning(summary);
  const completed = summary.status === 'completed';
  const status = useExportStatus(connectionId, summary.id, running || (completed && showFiles));
  const error = status.error;
  const data = status.data;
  const finishedHere = running && (data?.state === 'completed' || (isApiError(error) && (error.status === 404 || error.status >= 500)));

  // The status says it is over while the list still says running: the list is read again (its state, counts, error code).
  useEffect(() => {
    if (finishedHere) void client.invalidateQueries({ queryKey: exportKeys.list(connectionId) });
  }, [finishedHere, client, connectionId]);

  const state: BulkExportState =
    running && data?.state === 'completed' ? 'completed'
    : running && isApiError(error) && error.status >= 500 ? 'failed'
    : running && isApiError(error) && error.status === 404 ? 'cancelled'
    : summary.status;
  const title = describeExport(summary);
  const badge = BADGES[state];

  let body;
  switch (state) {
    case 'requested':
    case 'kicked_off':
    case 'downloading': {
      const percent = data?.state === 'running' ? data.percent : summary.progressPercent;
      body = error ? (
        <ErrorState title="Could not read the export’s status" error={error} onRetry={() => void status.refetch()} />
      ) : (
        <Stack gap={6}>
          {percent !== null ? <Progress value={percent} aria-label={`Progress of the export started ${instantLabel(summary.createdAt)}`} size="lg" animated /> : <Loader size="xs" />}
          <Text size="sm" role="status" aria-live="polite">
            {data?.state === 'running' ? `${data.progress ?? 'In progress'} · checking again in ${data.retryAfterSeconds} s` : `${summary.progressPercent}% complete`}
          </Text>
        </Stack>
      );
      break;
    }
    case 'completed': {
      // The manifest's counts as soon as the status has it (the list is read again just after).
      const counts = data?.state === 'completed' ? countsOf(data.manifest) : summary.counts;
      const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
      body = (
        <Stack gap="xs">
          <Group gap="sm">
            <Text size="sm">
              {total === 0
                ? 'No records matched.'
                : [
                    plural(total, 'resource', 'resources'),
                    ...Object.entries(counts)
                      .sort(([a], [b]) => a.localeCompare(b))
                      .map(([type, n]) => `${type} ${n.toLocaleString()}`),
                  ].join(' · ')}
            </Text>
            <Button size="compact-sm" variant="subtle" aria-expanded={showFiles} onClick={() => onShowFiles(!showFiles)}>
              {showFiles ? 'Hide files' : 'Show files'}
            </Button>
          </Group>
          {showFiles &&
            (data?.state === 'completed' ? (
              <Files connectionId={connectionId} exportId={summary.id} manifest={data.manifest} expires={data.expires} canDownload={canDownload} />
            ) : error ? (
              <ErrorState title="Could not read the export’s files" error={error} onRetry={() => void status.refetch()} />
            ) : (
              <Group gap="xs" role="status">
                <Loader size="xs" />
                <Text size="sm">Reading its files…</Text>
              </Group>
            ))}
        </Stack>
      );
      break;
    }
    case 'failed':
      body = (
        <Stack gap="xs">
          <ErrorState title="The export did not complete" error={summary.errorCode ? { code: summary.errorCode, message: 'The export failed.' } : (error ?? { code: 'failed', message: 'The export failed.' })} />
          <Text size="sm" c="dimmed">
            Nothing of it can be downloaded. Start it again; if it fails again, run the connection’s test to check the EHR answers.
          </Text>
        </Stack>
      );
      break;
    case 'cancelled':
      body = <Text size="sm">Cancelled: its files are deleted.</Text>;
      break;
    case 'expired':
      body = (
        <Alert color="gray" variant="light" role="note">
          <Text size="sm">
            Its files were deleted{summary.expiresAt ? ` on ${formatDateTime(summary.expiresAt)}` : ''} after the retention period. Start a new export to get the data again.
          </Text>
        </Alert>
      );
      break;
  }

  const mayCancel = canCancel && (RUNNING_STATES.includes(state) || state === 'completed');
  return (
    <Card withBorder component="section" aria-label={`Export ${title}, started ${instantLabel(summary.createdAt)}`} padding="md">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Title order={3} size="h5" style={{ overflowWrap: 'anywhere' }}>
              {title}
            </Title>
            <Text size="xs" c="dimmed">
              Started {instantLabel(summary.createdAt)}
              {summary.completedAt && state === 'completed' ? ` · completed ${instantLabel(summary.completedAt)}` : ''} · <Code fz="xs">{summary.id}</Code>
            </Text>
          </Stack>
          <Group gap="xs" wrap="nowrap">
            <Badge variant="light" color={badge.color}>
              {badge.label}
            </Badge>
            {mayCancel && (
              <Button size="xs" color="red" variant="subtle" onClick={onCancel}>
                {state === 'completed' ? 'Delete export' : 'Cancel export'}
              </Button>
            )}
          </Group>
        </Group>
        {body}
      </Stack>
    </Card>
  );
}
