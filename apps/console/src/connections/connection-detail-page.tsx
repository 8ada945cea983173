import { Anchor, Breadcrumbs, Button, Code, Group, Loader, SimpleGrid, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { isApiError } from '../api/client';
import type { ConnectionFields } from '../api/types';
import { useCan } from '../auth/session';
import { Page } from '../ui/page';
import { ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { EnvironmentBadge, HealthSummary, StatusBadge } from './badges';
import { ClientSecretPanel } from './client-secret-panel';
import { FeedWatch } from './feed-watch';
import { HealthCard } from './health-card';
import { assertionAlgOf, useConnectionOverview, useGenerateKey, useLastTestReport, useRunTest, useSetStatus } from './queries';
import { SigningKeysPanel } from './signing-keys-panel';
import { DisableDialog, GoLiveDialog } from './status-dialogs';
import { TestReportView } from './test-report';
import { Section } from '../ui/section';
import { EXPORT_LEVELS } from '../exports/support';
import { describeScopes, isFhirVendor, usesClientSecret, usesSigningKeys, VENDOR_LABELS } from './vendors';

function Field({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={500}>
        {label}
      </Text>
      <Text size="sm" style={{ wordBreak: 'break-all' }}>
        {value === null || value === undefined || value === '' ? '—' : value}
      </Text>
    </div>
  );
}

function Settings({ connection: c }: { connection: ConnectionFields }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
      <Field label="Vendor" value={VENDOR_LABELS[c.vendor] ?? c.vendor} />
      <Field label="Environment" value={c.environment} />
      {isFhirVendor(c.vendor) && (
        <>
          <Field label="FHIR base URL" value={c.fhirBaseUrl} />
          <Field label="Token URL" value={c.tokenUrl ?? (c.fhirBaseUrl ? 'discovered by the test' : null)} />
          <Field label="Client ID" value={c.clientId} />
          {usesSigningKeys(c) && <Field label="Signing algorithm" value={c.authAlg} />}
          <Field label="Scopes" value={c.scopes.length ? describeScopes(c.scopes).join(', ') : 'none requested'} />
          <Field label="SMART launch client ID" value={c.smartClientId ?? 'not set: apps cannot launch from this EHR'} />
        </>
      )}
      {c.vendor === 'athena' && <AthenaSettings connection={c} />}
      {c.vendor === 'hl7v2' && (
        <>
          <Field label="MLLP endpoint" value={c.mllpHost ? `${c.mllpHost}:${c.mllpPort ?? '?'}${c.mllpTls ? ' (TLS)' : ''}` : 'none (inbound only)'} />
          <Field label="Sending facility (MSH-4)" value={c.hl7SendingFacility} />
          <Field label="Sending application (MSH-3)" value={c.hl7SendingApplication} />
          <Field label="ACK mode" value={c.hl7AckMode} />
        </>
      )}
      <Field label="Connection ID" value={<Code>{c.id}</Code>} />
      <Field label="Created" value={formatDateTime(c.createdAt)} />
    </SimpleGrid>
  );
}

/** Where calls go comes from the API (athenaEndpoints): the URL set, else athena's host for the environment. */
function AthenaSettings({ connection: c }: { connection: ConnectionFields }) {
  const endpoint = (set: string | null, effective: string | undefined) => (effective ? `${effective}${set ? '' : ` (default for ${c.environment})`}` : set);
  return (
    <>
      <Field label="Practice ID" value={c.athenaPracticeId} />
      <Field label="Client ID" value={c.clientId} />
      <Field label="API base URL" value={endpoint(c.athenaBaseUrl, c.athenaEndpoints?.baseUrl)} />
      <Field label="Token URL" value={endpoint(c.tokenUrl, c.athenaEndpoints?.tokenUrl)} />
      <Field label="Departments" value={c.departmentIds.length > 0 ? c.departmentIds.join(', ') : 'all of the practice’s departments'} />
      <Field
        label="Change feeds"
        value={`polled ${c.changePollSeconds ? `every ${c.changePollSeconds} s` : 'at the default interval'}, replaying ${c.changeReplayMinutes ? `${c.changeReplayMinutes} min` : 'the default window'} on start`}
      />
    </>
  );
}

const TEST_DESCRIPTIONS: Partial<Record<ConnectionFields['vendor'], string>> = {
  athena: 'Gets an access token, then checks access to the practice, its departments and the change feed’s subscription, live against athena.',
  hl7v2: 'Opens an MLLP session to the hospital’s interface engine.',
  echo: 'Answers locally.',
};

function TestSection({ connection, canEdit }: { connection: ConnectionFields; canEdit: boolean }) {
  const run = useRunTest(connection.id);
  const generateKey = useGenerateKey(connection.id);
  const report = useLastTestReport(connection.id);
  return (
    <Section title="Connection test">
      <Text size="sm" c="dimmed">
        {TEST_DESCRIPTIONS[connection.vendor] ?? 'Checks SMART discovery, the FHIR metadata and an access token, live against the hospital.'}
      </Text>
      <HealthSummary connection={connection} />
      {canEdit && (
        <Group>
          <Button onClick={() => run.mutate()} loading={run.isPending}>
            Run test
          </Button>
        </Group>
      )}
      {run.isPending && (
        <Group gap="xs" role="status" aria-live="polite">
          <Loader size="xs" />
          <Text size="sm">Running the live check against the hospital… each step waits up to 10 seconds.</Text>
        </Group>
      )}
      {run.error && <ErrorState title="The test could not run" error={run.error} />}
      {report && !run.isPending && (
        <TestReportView
          report={report}
          renderAction={(step) =>
            canEdit && step.code === 'missing_signing_key' ? (
              <Group>
                <Button size="xs" variant="light" loading={generateKey.isPending} onClick={() => generateKey.mutate(assertionAlgOf(connection.authAlg))}>
                  Generate key
                </Button>
              </Group>
            ) : null
          }
        />
      )}
    </Section>
  );
}

/** One hospital connection: its health, settings, credentials, the live test and its lifecycle. */
export default function ConnectionDetailPage() {
  const { id = '' } = useParams();
  const connection = useConnectionOverview(id);
  const canEdit = useCan('admin:connections');
  const canGoLiveProduction = useCan('connections:go-live');
  const setStatus = useSetStatus(id);
  const [goLiveOpen, goLive] = useDisclosure(false);
  const [disableOpen, disable] = useDisclosure(false);

  if (connection.isPending) return <LoadingState label="Loading connection…" />;
  if (connection.error) {
    const missing = isApiError(connection.error) && (connection.error.status === 404 || connection.error.code === 'not_found');
    return (
      <Stack>
        <ErrorState
          title={missing ? 'No such connection' : 'Could not load the connection'}
          error={connection.error}
          onRetry={missing ? undefined : () => void connection.refetch()}
        />
        <Anchor component={Link} to="/connections">
          Back to connections
        </Anchor>
      </Stack>
    );
  }
  const c = connection.data;
  const mayChangeStatus = c.environment === 'production' ? canGoLiveProduction : canEdit;

  const closeDialogs = () => {
    setStatus.reset();
    goLive.close();
    disable.close();
  };

  return (
    <Page
      title={c.name}
      actions={
        mayChangeStatus && (
          <>
            {c.status !== 'live' && (
              <Button color="green" onClick={goLive.open}>
                Go live
              </Button>
            )}
            {c.status !== 'disabled' && (
              <Button color="red" variant="light" onClick={disable.open}>
                Disable
              </Button>
            )}
          </>
        )
      }
    >
      <Breadcrumbs>
        <Anchor component={Link} to="/connections">
          Connections
        </Anchor>
        <Text size="sm">{c.name}</Text>
      </Breadcrumbs>
      <Group gap="xs">
        <StatusBadge status={c.status} />
        <EnvironmentBadge environment={c.environment} />
        <Text size="sm" c="dimmed">
          {VENDOR_LABELS[c.vendor] ?? c.vendor}
        </Text>
      </Group>
      {(c.vendor === 'hl7v2' || EXPORT_LEVELS[c.vendor].length > 0) && (
        <Group gap="md">
          {c.vendor === 'hl7v2' && (
            <Anchor component={Link} to={`/connections/${c.id}/messages`}>
              Messages
            </Anchor>
          )}
          {c.vendor === 'hl7v2' && canEdit && (
            <Anchor component={Link} to={`/connections/${c.id}/dialect`}>
              Dialect editor
            </Anchor>
          )}
          {EXPORT_LEVELS[c.vendor].length > 0 && (
            <Anchor component={Link} to={`/connections/${c.id}/exports`}>
              Exports
            </Anchor>
          )}
        </Group>
      )}

      <HealthCard connection={c} readAt={connection.dataUpdatedAt} />

      <Section title="Settings">
        <Settings connection={c} />
      </Section>

      {c.vendor === 'hl7v2' && (
        <Section title="Feed watch">
          <FeedWatch connection={c} canEdit={canEdit} />
        </Section>
      )}

      {usesSigningKeys(c) && (
        <Section title="Signing keys (JWKS)">
          <SigningKeysPanel connection={c} keys={c.keys} canEdit={canEdit} />
        </Section>
      )}
      {usesClientSecret(c) && (
        <Section title="Client secret">
          <ClientSecretPanel connection={c} secrets={c.secrets} canEdit={canEdit} />
        </Section>
      )}

      <TestSection connection={c} canEdit={canEdit} />

      <GoLiveDialog
        connection={c}
        opened={goLiveOpen}
        pending={setStatus.isPending}
        error={setStatus.error}
        onClose={closeDialogs}
        onConfirm={() => setStatus.mutate({ from: c.status, to: 'live' }, { onSuccess: closeDialogs })}
      />
      <DisableDialog
        connection={c}
        opened={disableOpen}
        pending={setStatus.isPending}
        error={setStatus.error}
        onClose={closeDialogs}
        onConfirm={() => setStatus.mutate({ from: c.status, to: 'disabled' }, { onSuccess: closeDialogs })}
      />
    </Page>
  );
}
