import { Badge, Button, Card, Code, Group, Modal, Stack, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { useCan } from '../auth/session';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { ConfirmDialog } from '../users/dialogs';
import { CLIENT_TYPE_LABELS, SmartAppForm } from './app-form';
import { CredentialsDialog, type IssuedCredentials } from './credentials-dialog';
import { useCreateSmartApp, useDeleteSmartApp, useRotateSmartAppSecret, useSmartApps, useUpdateSmartApp, type SmartApp, type SmartAppWithSecret } from './queries';

const TYPE_COLORS: Record<SmartApp['clientType'], string> = { public: 'gray', 'confidential-symmetric': 'blue', 'confidential-asymmetric': 'grape' };
/** Up to this many scopes are all shown; a longer list shows its first SHOWN_SCOPES and a count. */
const ALL_SCOPES_UP_TO = 8;
const SHOWN_SCOPES = 6;

function Scopes({ scopes }: { scopes: string[] }) {
  const shown = scopes.length <= ALL_SCOPES_UP_TO ? scopes.length : SHOWN_SCOPES;
  const rest = scopes.length - shown;
  return (
    <Group gap={4}>
      {scopes.slice(0, shown).map((s) => (
        // Code, not a badge: a long v2 scope (`…?category=laboratory`) wraps inside the cell.
        <Code key={s} style={{ overflowWrap: 'anywhere' }}>
          {s}
        </Code>
      ))}
      {rest > 0 && (
        <Tooltip label={scopes.slice(shown).join(' ')} multiline maw={360} withArrow>
          <Badge variant="light" color="gray" size="sm" tt="none" tabIndex={0}>
            +{rest} more
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

const issuedFrom = (answer: SmartAppWithSecret, rotated: boolean): IssuedCredentials => ({
  appName: answer.name,
  clientId: answer.clientId,
  clientSecret: answer.clientSecret ?? null,
  rotated,
});

/**
 * SMART apps (issue 15): a telemedicine or other SMART app registered once, launched from every
 * connected EHR through the gateway. Register (the client secret shown once), edit, rotate the
 * secret, delete.
 */
export default function SmartAppsPage() {
  const canManage = useCan('admin:oauth-clients');
  const apps = useSmartApps();
  const create = useCreateSmartApp();
  const update = useUpdateSmartApp();
  const rotate = useRotateSmartAppSecret();
  const remove = useDeleteSmartApp();
  const [registering, setRegistering] = useState(false);
  const [editing, setEditing] = useState<SmartApp | null>(null);
  const [toRotate, setToRotate] = useState<SmartApp | null>(null);
  const [toDelete, setToDelete] = useState<SmartApp | null>(null);
  // The client id and secret just issued: component state only, gone when the dialog closes.
  const [issued, setIssued] = useState<IssuedCredentials | null>(null);

  const closeRegister = () => {
    setRegistering(false);
    create.reset();
  };
  const closeEdit = () => {
    setEditing(null);
    update.reset();
  };
  const registerButton = canManage ? <Button onClick={() => setRegistering(true)}>Register app</Button> : null;

  let content;
  if (apps.isPending) content = <LoadingState label="Loading SMART apps…" />;
  else if (apps.error) content = <ErrorState title="Could not load SMART apps" error={apps.error} onRetry={() => void apps.refetch()} />;
  else if (apps.data.length === 0)
    content = (
      <EmptyState title="No SMART apps yet">
        <Text c="dimmed" ta="center" maw={520}>
          Register a SMART app once and clinicians can open it from inside every connected EHR: the gateway does the SMART launch with each hospital and acts as the app’s SMART server.
        </Text>
        {registerButton}
      </EmptyState>
    );
  else
    content = (
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={960}>
          <Table aria-label="SMART apps" verticalSpacing="sm" layout="fixed">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col" w="16%">
                  Name
                </Table.Th>
                <Table.Th scope="col" w={224}>
                  Client
                </Table.Th>
                <Table.Th scope="col" w="28%">
                  Launch URL and redirect URIs
                </Table.Th>
                <Table.Th scope="col">Scopes</Table.Th>
                <Table.Th scope="col" w={156}>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {apps.data.map((app) => (
                <Table.Tr key={app.id} style={{ verticalAlign: 'top' }}>
                  <Table.Th scope="row" fw={600} style={{ overflowWrap: 'anywhere' }}>
                    {app.name}
                  </Table.Th>
                  <Table.Td>
                    <Stack gap={6} align="flex-start">
                      <Code>{app.clientId}</Code>
                      <Badge variant="light" color={TYPE_COLORS[app.clientType]} tt="none">
                        {CLIENT_TYPE_LABELS[app.clientType]}
                      </Badge>
                      <Text size="xs" c="dimmed">
                        Registered {formatDateTime(app.createdAt)}
                      </Text>
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={4}>
                      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                        {app.launchUrl}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {app.redirectUris.length === 1 ? 'Redirect URI' : `${app.redirectUris.length} redirect URIs`}
                      </Text>
                      {app.redirectUris.map((uri) => (
                        <Text key={uri} size="xs" style={{ overflowWrap: 'anywhere' }}>
                          {uri}
                        </Text>
                      ))}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Scopes scopes={app.scopes} />
                  </Table.Td>
                  <Table.Td>
                    {canManage && (
                      <Stack gap={6} align="stretch">
                        <Button size="compact-sm" variant="default" onClick={() => setEditing(app)} aria-label={`Edit ${app.name}`}>
                          Edit
                        </Button>
                        {app.hasSecret && (
                          <Button size="compact-sm" variant="light" onClick={() => setToRotate(app)} aria-label={`Rotate the secret of ${app.name}`}>
                            Rotate secret
                          </Button>
                        )}
                        <Button size="compact-sm" variant="light" color="red" onClick={() => setToDelete(app)} aria-label={`Delete ${app.name}`}>
                          Delete
                        </Button>
                      </Stack>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
    );

  return (
    <Page title="SMART apps" actions={apps.data && apps.data.length > 0 ? registerButton : null}>
      {content}
      <Modal opened={registering} onClose={closeRegister} title="Register a SMART app" centered size="lg">
        <SmartAppForm
          mode="create"
          pending={create.isPending}
          error={create.error}
          onCancel={closeRegister}
          onSubmit={(input) =>
            create.mutate(input, {
              onSuccess: (answer) => {
                setIssued(issuedFrom(answer, false));
                setRegistering(false);
                create.reset();
              },
            })
          }
        />
      </Modal>
      <Modal opened={editing !== null} onClose={closeEdit} title={editing ? `Edit ${editing.name}` : ''} centered size="lg">
        {editing && (
          <SmartAppForm
            key={editing.id}
            mode="edit"
            app={editing}
            pending={update.isPending}
            error={update.error}
            onCancel={closeEdit}
            onSubmit={(input) => update.mutate({ id: editing.id, input }, { onSuccess: closeEdit })}
          />
        )}
      </Modal>
      <ConfirmDialog
        opened={toRotate !== null}
        title={toRotate ? `Rotate the secret of ${toRotate.name}?` : ''}
        confirmLabel="Rotate secret"
        confirmColor="orange"
        pending={rotate.isPending}
        error={rotate.error}
        errorTitle="Could not rotate the secret"
        onClose={() => {
          setToRotate(null);
          rotate.reset();
        }}
        onConfirm={() =>
          toRotate &&
          rotate.mutate(toRotate.id, {
            onSuccess: (answer) => {
              setToRotate(null);
              setIssued(issuedFrom(answer, true));
              rotate.reset();
            },
          })
        }
      >
        {toRotate && (
          <Text size="sm">
            A new client secret for {toRotate.name} (<Code>{toRotate.clientId}</Code>) is generated and shown once. The current secret stops working at once: the app cannot get tokens until it has
            the new one.
          </Text>
        )}
      </ConfirmDialog>
      <ConfirmDialog
        opened={toDelete !== null}
        title={toDelete ? `Delete ${toDelete.name}?` : ''}
        confirmLabel={toDelete ? `Delete ${toDelete.name}` : 'Delete'}
        pending={remove.isPending}
        error={remove.error}
        errorTitle="Could not delete the app"
        onClose={() => {
          setToDelete(null);
          remove.reset();
        }}
        onConfirm={() => toDelete && remove.mutate(toDelete.id, { onSuccess: () => setToDelete(null) })}
      >
        {toDelete && (
          <Text size="sm">
            Clinicians can no longer open {toDelete.name} from any EHR: its client ID <Code>{toDelete.clientId}</Code> stops working at once, with its launches and tokens. This cannot be undone.
          </Text>
        )}
      </ConfirmDialog>
      <CredentialsDialog issued={issued} onClose={() => setIssued(null)} />
    </Page>
  );
}
