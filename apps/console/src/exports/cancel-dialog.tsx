import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { ErrorState } from '../ui/states';
import type { BulkExportSummary } from '../api/types';
import { describeExport, instantLabel } from './describe';

/**
 * Cancelling (or, once complete, deleting) names what it affects: the export, the connection,
 * and what is lost — its files are deleted and its status URL answers 404 to everyone.
 */
export function CancelExportDialog({
  target,
  connectionName,
  pending,
  error,
  onClose,
  onConfirm,
}: {
  target: BulkExportSummary | null;
  connectionName: string;
  pending: boolean;
  error: unknown;
  onClose: () => void;
  onConfirm: () => void;
}) {
  const completed = target?.status === 'completed';
  const action = completed ? 'Delete export' : 'Cancel export';
  return (
    <Modal opened={target !== null} onClose={onClose} title={completed ? 'Delete this export’s files?' : 'Cancel this export?'} centered size="lg">
      {target && (
        <Stack>
          <Text size="sm">
            The export of <strong>{describeExport(target)}</strong> from {connectionName}, started at {instantLabel(target.createdAt)},{' '}
            {completed ? 'is released now: its files are deleted and can no longer be downloaded.' : 'stops now: the files it has written so far are deleted.'}
          </Text>
          <Text size="sm" c="dimmed">
            Anyone following its status URL (an app or a colleague) gets “not found” from then on. This cannot be undone; start a new export to get the data again.
          </Text>
          {Boolean(error) && <ErrorState title={completed ? 'Could not delete the export' : 'Could not cancel the export'} error={error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {completed ? 'Keep the files' : 'Keep it running'}
            </Button>
            <Button color="red" onClick={onConfirm} loading={pending}>
              {action}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
