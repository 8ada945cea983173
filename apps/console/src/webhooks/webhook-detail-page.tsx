import { Alert, Anchor, Breadcrumbs, Button, Card, Code, Group, SimpleGrid, Stack, Tabs, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { isApiError } from '../api/client';
import type { WebhookEndpoint } from '../api/types';
import { useCan } from '../auth/session';
import { Page } from '../ui/page';
import { ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { describeDisabledReason, EndpointStatusBadge, eventTypesText } from './badges';
import { AttemptsPanel, DeadLettersPanel } from './delivery-panels';
import { ConfirmDialog, endpointName } from './endpoint-dialogs';
import { EndpointForm } from './endpoint-form';
import { useDeleteEndpoint, useRotateSecret, useSetEndpointEnabled, useUpdateEndpoint, useWebhookEndpoint } from './queries';
import { ReplayPanel } from './replay-panel';
import { SecretDialog } from './secret-dialog';
import { TestEventPanel } from './test-event';

function Field({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={500}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ wordBreak: 'break-all' }}>
        {value === null || value === undefined || value === '' ? '—' : value}
      </Text>
    </div>
  );
}

function Settings({ endpoint, canChange }: { endpoint: WebhookEndpoint; canChange: boolean }) {
  const [editing, setEditing] = useState(false);
  const update = useUpdateEndpoint(endpoint.id);
  if (editing)
    return (
      <EndpointForm
        initial={endpoint}
        submitLabel="Save changes"
        pending={update.isPending}
        error={update.error}
        onSubmit={(input) => update.mutate(input, { onSuccess: () => setEditing(false) })}
        onCancel={() => {
          update.reset();
          setEditing(false);
        }}
      />
    );
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <Field label="URL" value={endpoint.url} />
        <Field label="Description" value={endpoint.description} />
        <Field label="Event types" value={eventTypesText(endpoint.eventTypes)} />
        <Field label="Payload" value={endpoint.payload === 'full' ? 'Full: references and FHIR resources' : 'Thin: references only'} />
        <Field label="Ordering" value={endpoint.orderingKey === 'patient' ? 'Per patient, in order' : 'None (parallel)'} />
        <Field label="Endpoint ID" value={<Code>{endpoint.id}</Code>} />
        <Field label="Created" value={formatDateTime(endpoint.createdAt)} />
        <Field label="Previous secret signs until" value={endpoint.previousSecretExpiresAt ? formatDateTime(endpoint.previousSecretExpiresAt) : null} />
      </SimpleGrid>
      {canChange && (
        <Group>
          <Button variant="default" onClick={() => setEditing(true)}>
            Edit settings
          </Button>
        </Group>
      )}
    </Stack>
  );
}

type Dialog = 'disable' | 'enable' | 'delete' | 'rotate' | null;

function EndpointView({ endpoint }: { endpoint: WebhookEndpoint }) {
  const canChange = useCan('admin:webhooks');
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<Dialog>(null);
  // A rotated secret lives here until its dialog closes.
  const [secret, setSecret] = useState<string | null>(null);
  const setEnabled = useSetEndpointEnabled(endpoint.id);
  const rotate = useRotateSecret(endpoint.id);
  const remove = useDeleteEndpoint(endpoint.id);
  const name = endpointName(endpoint);

  const close = () => {
    setEnabled.reset();
    rotate.reset();
    remove.reset();
    setDialog(null);
  };

  return (
    <>
      <Group gap="xs">
        <EndpointStatusBadge endpoint={endpoint} />
        {endpoint.status === 'disabled' && (
          <Text size="sm" c="dimmed">
            {describeDisabledReason(endpoint.disabledReason)}
          </Text>
        )}
      </Group>
      {canChange && (
        <Group gap="sm">
          <Button variant="default" onClick={() => setDialog('rotate')}>
            Rotate secret
          </Button>
          {endpoint.status === 'enabled' ? (
            <Button color="orange" variant="light" onClick={() => setDialog('disable')}>
              Disable
            </Button>
          ) : (
            <Button color="green" variant="light" onClick={() => setDialog('enable')}>
              Enable
            </Button>
          )}
          <Button color="red" variant="light" onClick={() => setDialog('delete')}>
            Delete
          </Button>
        </Group>
      )}
      {canChange && <TestEventPanel endpoint={endpoint} />}

      <Card withBorder>
        <Tabs defaultValue="settings" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="settings">Settings</Tabs.Tab>
            <Tabs.Tab value="attempts">Attempts</Tabs.Tab>
            <Tabs.Tab value="dead-letters">Dead letters</Tabs.Tab>
            {canChange && <Tabs.Tab value="replay">Replay</Tabs.Tab>}
          </Tabs.List>
          <Tabs.Panel value="settings" pt="md">
            <Settings endpoint={endpoint} canChange={canChange} />
          </Tabs.Panel>
          <Tabs.Panel value="attempts" pt="md">
            <AttemptsPanel endpoint={endpoint} canChange={canChange} />
          </Tabs.Panel>
          <Tabs.Panel value="dead-letters" pt="md">
            <DeadLettersPanel endpoint={endpoint} canChange={canChange} />
          </Tabs.Panel>
          {canChange && (
            <Tabs.Panel value="replay" pt="md">
              <ReplayPanel endpoint={endpoint} />
            </Tabs.Panel>
          )}
        </Tabs>
      </Card>

      <ConfirmDialog
        opened={dialog === 'disable'}
        title={`Disable ${name}?`}
        confirmLabel="Disable endpoint"
        color="orange"
        pending={setEnabled.isPending}
        error={setEnabled.error}
        onClose={close}
        onConfirm={() => setEnabled.mutate(false, { onSuccess: close })}
      >
        <Text size="sm">Switchboard stops delivering to {endpoint.url}. Events raised while it is disabled are not sent; replay them after enabling it.</Text>
      </ConfirmDialog>
      <ConfirmDialog
        opened={dialog === 'enable'}
        title={`Enable ${name}?`}
        confirmLabel="Enable endpoint"
        color="green"
        pending={setEnabled.isPending}
        error={setEnabled.error}
        onClose={close}
        onConfirm={() => setEnabled.mutate(true, { onSuccess: close })}
      >
        <Text size="sm">Deliveries to {endpoint.url} resume with the next event.</Text>
      </ConfirmDialog>
      <ConfirmDialog
        opened={dialog === 'delete'}
        title={`Delete ${name}?`}
        confirmLabel="Delete endpoint"
        pending={remove.isPending}
        error={remove.error}
        onClose={close}
        onConfirm={() => remove.mutate(undefined, { onSuccess: () => void navigate('/webhooks', { replace: true }) })}
      >
        <Text size="sm">The endpoint {endpoint.url} is removed with its deliveries and attempts. This cannot be undone.</Text>
      </ConfirmDialog>
      <ConfirmDialog
        opened={dialog === 'rotate'}
        title={`Rotate the signing secret of ${name}?`}
        confirmLabel="Rotate secret"
        color="indigo"
        pending={rotate.isPending}
        error={rotate.error}
        onClose={close}
        onConfirm={() =>
          rotate.mutate(undefined, {
            onSuccess: (r) => {
              setSecret(r.secret);
              close();
            },
          })
        }
      >
        <Text size="sm">A new secret is shown once. The current one keeps signing deliveries for 24 hours, so your receiver can switch over.</Text>
      </ConfirmDialog>
      <SecretDialog secret={secret} endpointUrl={endpoint.url} onClose={() => setSecret(null)} />
    </>
  );
}

/** One webhook endpoint: settings, test event, attempts, dead letters, replay, secret rotation, enable/disable, delete. */
export default function WebhookDetailPage() {
  const { id = '' } = useParams();
  const endpoint = useWebhookEndpoint(id);

  let content;
  if (endpoint.isPending) content = <LoadingState label="Loading endpoint…" />;
  else if (endpoint.error) {
    const missing = isApiError(endpoint.error) && endpoint.error.status === 404;
    content = (
      <Stack>
        <ErrorState title={missing ? 'No such webhook endpoint' : 'Could not load the endpoint'} error={endpoint.error} onRetry={missing ? undefined : () => void endpoint.refetch()} />
        <Anchor component={Link} to="/webhooks">
          Back to webhooks
        </Anchor>
      </Stack>
    );
  } else content = <EndpointView endpoint={endpoint.data} />;

  return (
    <Page title={endpoint.data ? (endpoint.data.description ?? 'Webhook endpoint') : 'Webhook endpoint'}>
      <Breadcrumbs>
        <Anchor component={Link} to="/webhooks">
          Webhooks
        </Anchor>
        <Text size="sm" style={{ wordBreak: 'break-all' }}>
          {endpoint.data?.url ?? id}
        </Text>
      </Breadcrumbs>
      {endpoint.data?.status === 'disabled' && endpoint.data.disabledReason && endpoint.data.disabledReason !== 'manual' && (
        <Alert role="note" color="red" variant="light" title="Switchboard disabled this endpoint">
          {describeDisabledReason(endpoint.data.disabledReason)}. Fix the receiver, enable it, then replay the events it missed.
        </Alert>
      )}
      {content}
    </Page>
  );
}
