import { Alert, Anchor, Breadcrumbs, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { isApiError } from '../api/client';
import type { BulkExportSummary } from '../api/types';
import { useConnection } from '../connections/queries';
import { VENDOR_LABELS } from '../connections/vendors';
import { Page } from '../ui/page';
import { Section } from '../ui/section';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { CancelExportDialog } from './cancel-dialog';
import { ExportCard } from './export-card';
import { useCancelExport, useExportGroups, useExports } from './queries';
import { StartExportForm } from './start-export-form';
import { EXPORT_LEVELS, EXPORT_PHI_NOTE, useExportAccess, vendorRule } from './support';

/**
 * Bulk Data exports of one connection: start one (level, group, types, _since), follow its
 * progress as the API's Retry-After paces the polls, see its files with their counts, download
 * them (PHI: straight to the browser's downloads, with the PHI grant), cancel it. The list is
 * the API's (the connection's last 50 exports, whoever started them).
 */
export default function ExportsPage() {
  const { id = '' } = useParams();
  const connection = useConnection(id);
  const { canExport } = useExportAccess();
  const levels = connection.data ? EXPORT_LEVELS[connection.data.vendor] : [];
  const groups = useExportGroups(id, canExport && levels.includes('group'));
  const exports = useExports(id);
  const cancel = useCancelExport(id);
  const [target, setTarget] = useState<BulkExportSummary | null>(null);
  // Exports whose files are shown: each one started here, and those a person opened.
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const showFiles = (exportId: string, show: boolean) =>
    setOpen((current) => {
      const next = new Set(current);
      if (show) next.add(exportId);
      else next.delete(exportId);
      return next;
    });
  const name = connection.data?.name ?? 'Connection';

  const closeDialog = () => {
    cancel.reset();
    setTarget(null);
  };

  let start;
  if (!canExport)
    start = (
      <Alert role="note" color="gray" variant="light" title="Needs the PHI grant">
        {EXPORT_PHI_NOTE}
      </Alert>
    );
  else if (levels.length === 0)
    start = (
      <EmptyState title="This connection does not export">
        <Text size="sm" c="dimmed" ta="center">
          Bulk Data export is offered on Epic, Oracle Health, athenahealth and HL7 v2 connections.
        </Text>
      </EmptyState>
    );
  else if (levels.includes('group') && groups.isPending) start = <LoadingState label="Loading the groups this connection can export…" />;
  else if (groups.error) start = <ErrorState title="Could not load the groups to export" error={groups.error} onRetry={() => void groups.refetch()} />;
  else if (levels.length === 1 && levels[0] === 'group' && (groups.data ?? []).length === 0)
    start = (
      <EmptyState title="No groups to export yet">
        <Text size="sm" c="dimmed" ta="center" maw={520}>
          This EHR exports by group, and the hospital has not given this connection a group. Ask them for the Group id of the patients to export.
        </Text>
      </EmptyState>
    );
  else start = <StartExportForm connectionId={id} levels={levels} groups={groups.data ?? []} onStarted={(exportId) => showFiles(exportId, true)} />;

  let list;
  if (exports.isPending) list = <LoadingState label="Loading exports…" />;
  else if (exports.error) list = <ErrorState title="Could not load the exports" error={exports.error} onRetry={() => void exports.refetch()} />;
  else if (exports.data.length === 0)
    list = (
      <EmptyState title="No exports yet">
        <Text size="sm" c="dimmed" ta="center" maw={560}>
          Exports of this connection appear here, whether started on this page or by an app through the API.
        </Text>
      </EmptyState>
    );
  else
    list = (
      <Stack gap="sm">
        {exports.data.map((e) => (
          <ExportCard
            key={e.id}
            connectionId={id}
            summary={e}
            showFiles={open.has(e.id)}
            canDownload={canExport}
            canCancel={canExport}
            onShowFiles={(show) => showFiles(e.id, show)}
            onCancel={() => setTarget(e)}
          />
        ))}
      </Stack>
    );

  let content;
  if (connection.isPending) content = <LoadingState label="Loading connection…" />;
  else if (connection.error) {
    const missing = isApiError(connection.error) && connection.error.status === 404;
    content = (
      <ErrorState title={missing ? 'No such connection' : 'Could not load the connection'} error={connection.error} onRetry={missing ? undefined : () => void connection.refetch()} />
    );
  } else {
    const rule = vendorRule(connection.data.vendor, connection.data.bulkGroupWindowHours);
    content = (
      <>
        <Section title="Start an export">
          <Text size="sm" c="dimmed">
            Copies the connection’s records into NDJSON files (FHIR Bulk Data $export) that you download here.{rule ? ` ${rule}` : ''}
          </Text>
          {start}
        </Section>
        <Section title="Recent exports">
          <Text size="sm" c="dimmed">
            The connection’s last 50 exports, newest first. Files are kept for a limited time after an export completes.
          </Text>
          {list}
        </Section>
      </>
    );
  }

  return (
    <Page title={`Exports · ${name}`}>
      <Breadcrumbs>
        <Anchor component={Link} to="/connections">
          Connections
        </Anchor>
        <Anchor component={Link} to={`/connections/${id}`}>
          {name}
        </Anchor>
        <Text size="sm">Exports</Text>
      </Breadcrumbs>
      {connection.data && (
        <Text size="sm" c="dimmed">
          {VENDOR_LABELS[connection.data.vendor] ?? connection.data.vendor} · {connection.data.environment}
        </Text>
      )}
      {content}
      <CancelExportDialog
        target={target}
        connectionName={name}
        pending={cancel.isPending}
        error={cancel.error}
        onClose={closeDialog}
        onConfirm={() => target && cancel.mutate(target.id, { onSuccess: closeDialog })}
      />
    </Page>
  );
}
