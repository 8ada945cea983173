import { Alert, Anchor, Breadcrumbs, Button, Code, Group, Loader, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { isApiError } from '../api/client';
import type { Hl7MessageDetail } from '../api/types';
import { useCan } from '../auth/session';
import { useConnection } from '../connections/queries';
import { ErrorState, LoadingState } from '../ui/states';
import { Page } from '../ui/page';
import { formatDateTime } from '../ui/time';
import { MessageStatusBadge } from './badges';
import { Hl7Text, ResourceList } from './hl7-views';
import { EventTrail } from './event-trail-panel';
import { PHI_NOTE, usePhiAccess } from './phi';
import { Section } from '../ui/section';
import { IN_PROGRESS, messageKeys, useMessage, useMessageStatus, useReprocess } from './queries';

function Field({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={500}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {value === null || value === undefined || value === '' ? '—' : value}
      </Text>
    </div>
  );
}

/** Reprocess: 202, then the status from the log (metadata) until processing is done, then the message again. */
function Reprocess({ connectionId, message }: { connectionId: string; message: Hl7MessageDetail }) {
  const client = useQueryClient();
  const reprocess = useReprocess(connectionId);
  const [watching, setWatching] = useState(false);
  const status = useMessageStatus(connectionId, message, watching);
  const current = status.data;
  const done = watching && current != null && !IN_PROGRESS.includes(current.status);

  useEffect(() => {
    if (done) void client.invalidateQueries({ queryKey: messageKeys.detail(connectionId, message.id) });
  }, [done, client, connectionId, message.id]);

  const start = () => {
    setWatching(false);
    reprocess.mutate(message.id, { onSuccess: () => setWatching(true) });
  };
  const canReprocess = message.status === 'processed' || message.status === 'failed';

  return (
    <Stack gap="xs">
      <Group>
        <Button onClick={start} loading={reprocess.isPending || (watching && !done)} disabled={!canReprocess && !done}>
          Reprocess
        </Button>
        {!canReprocess && !watching && (
          <Text size="sm" c="dimmed">
            Only processed or failed messages can be reprocessed.
          </Text>
        )}
      </Group>
      {watching && !done && (
        <Group gap="xs" role="status" aria-live="polite">
          <Loader size="xs" />
          <Text size="sm">Reprocessing under the current dialect… status: {current?.status ?? 'received'}</Text>
        </Group>
      )}
      {done && current && (
        <Group gap="xs" role="status" aria-live="polite">
          <Text size="sm">Reprocessed: now</Text>
          <MessageStatusBadge status={current.status} />
          {current.errorCode && <Code>{current.errorCode}</Code>}
        </Group>
      )}
      {reprocess.error && <ErrorState title="Could not reprocess" error={reprocess.error} />}
      {status.error && <ErrorState title="Could not read the new status" error={status.error} />}
    </Stack>
  );
}

function MessageView({ connectionId, message }: { connectionId: string; message: Hl7MessageDetail }) {
  const canReprocess = useCan('admin:connections');
  return (
    <>
      <Section title="Summary">
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <Field label="Type" value={<Code>{message.messageType}</Code>} />
          <Field label="Control ID (MSH-10)" value={<Code>{message.controlId}</Code>} />
          <Field label="Status" value={<MessageStatusBadge status={message.status} />} />
          <Field label="HL7 version" value={message.version} />
          <Field label="ACK code" value={message.ackCode} />
          <Field label="Processing attempts" value={message.attempts} />
          <Field label="Received" value={formatDateTime(message.receivedAt)} />
          <Field label="Processed" value={formatDateTime(message.processedAt)} />
        </SimpleGrid>
        {message.errorCode && (
          <Alert role="note" color="red" variant="light" title={`Error ${message.errorCode}`}>
            {message.errorMeaning ?? 'No description is known for this code.'}
          </Alert>
        )}
        {canReprocess && <Reprocess connectionId={connectionId} message={message} />}
      </Section>
      <Section title="Raw message">
        <Hl7Text text={message.raw} label="Raw message segments" />
      </Section>
      <Section title="Acknowledgments">
        <Text size="sm" fw={500}>
          ACK sent
        </Text>
        {message.ack ? <Hl7Text text={message.ack} label="ACK sent" /> : <Text size="sm">—</Text>}
        {message.applicationAck && (
          <>
            <Text size="sm" fw={500}>
              Application ACK
            </Text>
            <Hl7Text text={message.applicationAck} label="Application ACK" />
          </>
        )}
      </Section>
      <Section title="FHIR output">
        {message.resources && message.resources.length > 0 ? (
          <ResourceList resources={message.resources} />
        ) : (
          <Text size="sm" c="dimmed">
            {message.status === 'processed' ? 'No resources were kept for this message.' : 'Nothing yet: the message has not been processed.'}
          </Text>
        )}
      </Section>
      <Section title="Events and webhook deliveries">
        <EventTrail connectionId={connectionId} messageId={message.id} />
      </Section>
    </>
  );
}

/** One inbound message: content for users with the PHI grant, a note for everyone else. */
export default function MessageDetailPage() {
  const { id = '', mid = '' } = useParams();
  const connection = useConnection(id);
  const phi = usePhiAccess();
  const message = useMessage(id, mid, phi.readContent);
  const name = connection.data?.name ?? 'Connection';

  let content;
  if (!phi.readContent)
    content = (
      <>
        <Alert role="note" color="gray" variant="light" title="Needs the PHI grant">
          {PHI_NOTE} The message log shows its type, control ID, status and error code.
        </Alert>
        <Section title="Events and webhook deliveries">
          <EventTrail connectionId={id} messageId={mid} />
        </Section>
      </>
    );
  else if (message.isPending) content = <LoadingState label="Loading message…" />;
  else if (message.error)
    content = (
      <ErrorState
        title={isApiError(message.error) && message.error.status === 404 ? 'No such message' : 'Could not load the message'}
        error={message.error}
        onRetry={() => void message.refetch()}
      />
    );
  else content = <MessageView connectionId={id} message={message.data} />;

  return (
    <Page title={message.data ? `Message ${message.data.controlId}` : 'Message'}>
      <Breadcrumbs>
        <Anchor component={Link} to="/connections">
          Connections
        </Anchor>
        <Anchor component={Link} to={`/connections/${id}`}>
          {name}
        </Anchor>
        <Anchor component={Link} to={`/connections/${id}/messages`}>
          Messages
        </Anchor>
        <Text size="sm">{message.data?.controlId ?? mid}</Text>
      </Breadcrumbs>
      {content}
    </Page>
  );
}
