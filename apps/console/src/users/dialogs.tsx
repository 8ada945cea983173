import { Alert, Button, Checkbox, Group, Modal, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { IssuedInvite, Role } from '../api/types';
import { ErrorState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { CopyField } from './copy-field';
import { PHI_GRANT_DESCRIPTION, ROLES } from './roles';

/** A destructive action's confirmation: names what it affects, says what happens, shows the API's refusal. */
export function ConfirmDialog({
  opened,
  title,
  children,
  confirmLabel,
  confirmColor = 'red',
  pending,
  error,
  errorTitle,
  onClose,
  onConfirm,
}: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Red for what takes something away (the default). */
  confirmColor?: string;
  pending: boolean;
  error: unknown;
  errorTitle: string;
  onClose: () => void;
  onConfirm: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered>
      <Stack>
        {children}
        {Boolean(error) && <ErrorState title={errorTitle} error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button color={confirmColor} onClick={onConfirm} loading={pending}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The link of an invite just issued, shown this once: Switchboard sends no email, the inviter passes it on. */
export function InviteLink({ invite, resent }: { invite: IssuedInvite; resent?: boolean }) {
  return (
    <Stack gap="sm">
      <CopyField label="Invite link" value={invite.inviteUrl} copyLabel="Copy invite link" />
      <Alert color="yellow" variant="light" title="Send this link to the person yourself">
        <Text size="sm">
          Switchboard sends no email. Send the link to <strong>{invite.email}</strong> over a channel you trust. It works once and expires in 72 hours (
          {formatDateTime(invite.expiresAt)}). This page shows it only now{resent ? '; the previous link no longer works' : ''}.
        </Text>
      </Alert>
    </Stack>
  );
}

export interface InviteInput {
  email: string;
  role: Role;
  phi: boolean;
}

/** Invite form, then the link. The link lives in this dialog's state only and is gone when it closes. */
export function InviteDialog({
  opened,
  title = 'Invite a person',
  roles,
  pending,
  error,
  issued,
  onSubmit,
  onClose,
}: {
  opened: boolean;
  /** The form's title (the link's names the invitee). */
  title?: string;
  roles: Role[];
  pending: boolean;
  error: unknown;
  issued: IssuedInvite | null;
  onSubmit: (input: InviteInput) => void;
  onClose: () => void;
}) {
  const defaultRole: Role = roles.includes('viewer') ? 'viewer' : (roles[0] ?? 'viewer');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>(defaultRole);
  const [phi, setPhi] = useState(false);
  const close = () => {
    setEmail('');
    setRole(defaultRole);
    setPhi(false);
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit({ email: email.trim(), role, phi });
  };
  const options = ROLES.filter((r) => roles.includes(r.value));

  return (
    <Modal opened={opened} onClose={close} title={issued ? `Invite link for ${issued.email}` : title} centered size="lg">
      {issued ? (
        <Stack>
          <InviteLink invite={issued} />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            <TextInput label="Email" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required autoComplete="off" data-autofocus />
            <NativeSelect
              label="Role"
              value={role}
              onChange={(e) => setRole(e.currentTarget.value as Role)}
              data={options.map((r) => ({ value: r.value, label: r.label }))}
              description={options.find((r) => r.value === role)?.description}
            />
            <Checkbox label="PHI access" description={PHI_GRANT_DESCRIPTION} checked={phi} onChange={(e) => setPhi(e.currentTarget.checked)} />
            {Boolean(error) && <ErrorState title="Could not create the invite" error={error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={pending} disabled={!email.trim()}>
                Create invite
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
