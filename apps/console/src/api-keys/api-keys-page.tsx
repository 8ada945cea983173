import { Alert, Badge, Button, Card, Checkbox, Code, Group, Modal, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { ApiKey, CreatedApiKey } from '../api/types';
import { useCan, useSession } from '../auth/session';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime, formatRelative } from '../ui/time';
import { CopyField } from '../users/copy-field';
import { ConfirmDialog } from '../users/dialogs';
import { useApiKeys, useCreateApiKey, useRevokeApiKey, type CreateApiKeyInput } from './queries';
import { KEY_SCOPES, mayGrant } from './scopes';

type KeyStatus = 'active' | 'revoked' | 'expired';
const statusOf = (k: ApiKey, now = Date.now()): KeyStatus => (k.revokedAt ? 'revoked' : k.expiresAt && new Date(k.expiresAt).getTime() <= now ? 'expired' : 'active');
const STATUS_COLORS: Record<KeyStatus, string> = { active: 'green', revoked: 'red', expired: 'gray' };

function CreateKeyForm({ pending, error, onSubmit, onCancel }: { pending: boolean; error: unknown; onSubmit: (input: CreateApiKeyInput) => void; onCancel: () => void }) {
  const own = useSession().scopes;
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const groups = ['Administration', 'Clinical data (PHI)'] as const;
  const ownGrantable = KEY_SCOPES.filter((s) => mayGrant(own, s.scope));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit({
      name: name.trim(),
      ...(scopes.length > 0 ? { scopes } : {}),
      // The key stops working at the end of the chosen day (UTC).
      ...(expires ? { expiresAt: `${expires}T23:59:59.999Z` } : {}),
    });
  };

  return (
    <form onSubmit={submit}>
      <Stack>
        <TextInput label="Name" description="Where the key is used, e.g. “Billing sync (production)”" value={name} onChange={(e) => setName(e.currentTarget.value)} required data-autofocus autoComplete="off" />
        <Checkbox.Group
          label="Scopes"
          description={
            scopes.length === 0
              ? `None selected: the key gets everything you may grant (${ownGrantable.length > 0 ? ownGrantable.map((s) => s.scope).join(', ') : 'your role’s scopes'}). Pick scopes to give it less.`
              : `The key gets only the ${scopes.length} selected scope${scopes.length === 1 ? '' : 's'}.`
          }
          value={scopes}
          onChange={setScopes}
        >
          <Stack gap={6} mt="xs">
            {groups.map((g) => (
              <Stack gap={4} key={g}>
                <Text size="sm" fw={600}>
                  {g}
                </Text>
                {KEY_SCOPES.filter((s) => s.group === g).map((s) => {
                  const allowed = mayGrant(own, s.scope);
                  return (
                    <Checkbox
                      key={s.scope}
                      value={s.scope}
                      disabled={!allowed}
                      label={
                        <>
                          {s.label} <Code>{s.scope}</Code>
                        </>
                      }
                      description={allowed ? undefined : g === 'Clinical data (PHI)' ? 'Needs the PHI grant' : 'Not in your role'}
                    />
                  );
                })}
              </Stack>
            ))}
          </Stack>
        </Checkbox.Group>
        <TextInput type="date" label="Expires on (optional)" description="The key stops working at the end of this day (UTC). Leave empty for a key that does not expire." value={expires} onChange={(e) => setExpires(e.currentTarget.value)} />
        {Boolean(error) && <ErrorState title="Could not create the key" error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={pending} disabled={!name.trim()}>
            Create key
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function NewKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  return (
    <Stack>
      <CopyField label="API key" value={created.key} copyLabel="Copy API key" />
      <Alert color="yellow" variant="light" title="Copy the key now: it is shown only this once">
        <Text size="sm">
          Switchboard keeps only a hash of it. Store it in your secret manager; if it is lost, create a new key and revoke this one. Apps send it as <Code>Authorization: Bearer …</Code>.
        </Text>
      </Alert>
      <Group justify="flex-end">
        <Button onClick={onDone}>Done</Button>
      </Group>
    </Stack>
  );
}

/** API keys for machines: created with chosen scopes (shown once), listed by prefix, revoked. */
export default function ApiKeysPage() {
  const session = useSession();
  const canManage = useCan('admin:api-keys');
  const keys = useApiKeys();
  const create = useCreateApiKey(session.tenant.id);
  const revoke = useRevokeApiKey();
  const [creating, setCreating] = useState(false);
  // The new key: component state only, gone when the dialog closes.
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [toRevoke, setToRevoke] = useState<ApiKey | null>(null);

  const close = () => {
    setCreating(false);
    setCreated(null);
    create.reset();
  };
  const createButton = canManage ? <Button onClick={() => setCreating(true)}>Create API key</Button> : null;

  let content;
  if (keys.isPending) content = <LoadingState label="Loading API keys…" />;
  else if (keys.error) content = <ErrorState title="Could not load API keys" error={keys.error} onRetry={() => void keys.refetch()} />;
  else if (keys.data.length === 0)
    content = (
      <EmptyState title="No API keys yet">
        <Text c="dimmed" ta="center" maw={460}>
          Your apps call Switchboard with an API key. Create one per app and environment, with only the scopes it needs.
        </Text>
        {createButton}
      </EmptyState>
    );
  else
    content = (
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={860}>
          <Table aria-label="API keys" verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Key</Table.Th>
                <Table.Th scope="col">Scopes</Table.Th>
                <Table.Th scope="col">Last used</Table.Th>
                <Table.Th scope="col">Expires</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.data.map((k) => {
                const status = statusOf(k);
                return (
                  <Table.Tr key={k.id}>
                    <Table.Th scope="row" fw={500}>
                      {k.name}
                    </Table.Th>
                    <Table.Td>
                      <Code>{k.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {k.scopes.length === 0 ? (
                          <Text size="sm" c="dimmed">
                            none
                          </Text>
                        ) : (
                          k.scopes.map((s) => (
                            <Badge key={s} variant="outline" size="sm" tt="none">
                              {s}
                            </Badge>
                          ))
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={formatDateTime(k.lastUsedAt)}>
                        {formatRelative(k.lastUsedAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>{k.expiresAt ? formatDateTime(k.expiresAt) : 'never'}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={STATUS_COLORS[status]}>
                        {status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {canManage && status !== 'revoked' && (
                        <Button size="xs" variant="light" color="red" onClick={() => setToRevoke(k)} aria-label={`Revoke ${k.name}`}>
                          Revoke
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
    );

  return (
    <Page title="API keys" actions={keys.data && keys.data.length > 0 ? createButton : null}>
      {content}
      <Modal opened={creating} onClose={close} title={created ? `Your new key “${created.name}”` : 'Create an API key'} centered size="lg">
        {created ? (
          <NewKey created={created} onDone={close} />
        ) : (
          <CreateKeyForm
            pending={create.isPending}
            error={create.error}
            onCancel={close}
            onSubmit={(input) =>
              create.mutate(input, {
                onSuccess: (key) => {
                  setCreated(key);
                  create.reset();
                },
              })
            }
          />
        )}
      </Modal>
      <ConfirmDialog
        opened={toRevoke !== null}
        title={toRevoke ? `Revoke ${toRevoke.name}?` : ''}
        confirmLabel={toRevoke ? `Revoke ${toRevoke.name}` : 'Revoke'}
        pending={revoke.isPending}
        error={revoke.error}
        errorTitle="Could not revoke the key"
        onClose={() => {
          setToRevoke(null);
          revoke.reset();
        }}
        onConfirm={() => toRevoke && revoke.mutate(toRevoke.id, { onSuccess: () => setToRevoke(null) })}
      >
        {toRevoke && (
          <Text size="sm">
            Every app using {toRevoke.name} (<Code>{toRevoke.prefix}…</Code>) is refused from its next request. This cannot be undone.
          </Text>
        )}
      </ConfirmDialog>
    </Page>
  );
}
