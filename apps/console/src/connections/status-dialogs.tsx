import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { ConnectionFields } from '../api/types';
import { ErrorState } from '../ui/states';

interface DialogProps {
  connection: ConnectionFields;
  opened: boolean;
  pending: boolean;
  error: unknown;
  onClose: () => void;
  onConfirm: () => void;
}

/**
 * Going live names the hospital; for a production connection the user types
 * its name, so nobody sends real patients' data to the wrong place by a stray click.
 */
export function GoLiveDialog({ connection, opened, pending, error, onClose, onConfirm }: DialogProps) {
  const [typed, setTyped] = useState('');
  const production = connection.environment === 'production';
  const matches = !production || typed.trim() === connection.name.trim();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (matches) onConfirm();
  };
  const close = () => {
    setTyped('');
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={`Go live with ${connection.name}?`} centered>
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm">
            {production
              ? `${connection.name} is a production connection: once live, Switchboard exchanges real patients’ data with this hospital.`
              : `${connection.name} will accept traffic from your apps (sandbox data only).`}
          </Text>
          {production && (
            <TextInput
              label={`Type “${connection.name}” to confirm`}
              value={typed}
              onChange={(e) => setTyped(e.currentTarget.value)}
              autoComplete="off"
              data-autofocus
            />
          )}
          {Boolean(error) && <ErrorState title="Could not go live" error={error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" color="green" disabled={!matches} loading={pending}>
              Go live
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function DisableDialog({ connection, opened, pending, error, onClose, onConfirm }: DialogProps) {
  return (
    <Modal opened={opened} onClose={onClose} title={`Disable ${connection.name}?`} centered>
      <Stack>
        <Text size="sm">
          Switchboard stops using {connection.name} until it is tested and taken live again.
        </Text>
        {Boolean(error) && <ErrorState title="Could not disable" error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" onClick={onConfirm} loading={pending}>
            Disable {connection.name}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
