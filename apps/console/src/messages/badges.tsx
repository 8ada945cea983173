import { Badge } from '@mantine/core';
import type { Hl7MessageStatus } from '../api/types';

const COLORS: Record<Hl7MessageStatus, string> = {
  received: 'blue',
  processed: 'green',
  failed: 'red',
  quarantined: 'orange',
  rejected: 'red',
};

export const MESSAGE_STATUSES: readonly Hl7MessageStatus[] = ['received', 'processed', 'failed', 'quarantined', 'rejected'];

export function MessageStatusBadge({ status }: { status: Hl7MessageStatus }) {
  return (
    <Badge variant="light" color={COLORS[status] ?? 'gray'}>
      {status}
    </Badge>
  );
}
