import { Button, Group, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { Connection } from '../api/types';
import { ErrorState } from '../ui/states';
import { formatRelative } from '../ui/time';
import { usePutSecret, type SecretSummary } from './queries';

/** The client secret: write-only. Shown as "set · version N · updated …", never its value; Rotate reopens the field. */
export function ClientSecretPanel({ connection, secrets, canEdit }: { connection: Pick<Connection, 'id' | 'clientSecretName'>; secrets: readonly SecretSummary[]; canEdit: boolean }) {
  const name = connection.clientSecretName ?? 'client_secret';
  const put = usePutSecret(connection.id);
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');

  const meta = secrets.find((s) => s.name === name);
  const open = editing || (!meta && canEdit);

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!value) return;
    put.mutate(
      { name, value },
      {
        onSuccess: () => {
          setValue('');
          setEditing(false);
        },
      },
    );
  };

  return (
    <Stack gap="sm">
      <Text size="sm" aria-live="polite">
        Client secret: {meta ? `set · version ${meta.version} · updated ${formatRelative(meta.createdAt)}` : 'not set'}
      </Text>
      {open ? (
        <form onSubmit={save}>
          <Stack gap="xs">
            <PasswordInput
              label="Client secret"
              description="Stored encrypted; it is never shown again."
              autoComplete="off"
              value={value}
              onChange={(e) => setValue(e.currentTarget.value)}
              required
            />
            <Group>
              <Button type="submit" loading={put.isPending} disabled={!value}>
                Save secret
              </Button>
              {meta && (
                <Button
                  variant="default"
                  onClick={() => {
                    setEditing(false);
                    setValue('');
                  }}
                >
                  Cancel
                </Button>
              )}
            </Group>
          </Stack>
        </form>
      ) : (
        canEdit && (
          <Group>
            <Button variant="default" onClick={() => setEditing(true)}>
              Rotate
            </Button>
          </Group>
        )
      )}
      {put.error && <ErrorState title="Could not store the secret" error={put.error} />}
    </Stack>
  );
}
