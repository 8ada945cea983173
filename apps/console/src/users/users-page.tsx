import { Badge, Button, Card, Group, Modal, NativeSelect, Stack, Switch, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import type { ConsoleUser, Invite, IssuedInvite, Role } from '../api/types';
import { useSession } from '../auth/session';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime, formatRelative } from '../ui/time';
import { ConfirmDialog, InviteDialog, InviteLink } from './dialogs';
import { useCreateInvite, useInvites, useReinstateUser, useResendInvite, useRevokeInvite, useRevokeUser, useUpdateUser, useUsers } from './queries';
import { manageableRoles, PHI_GRANT_DESCRIPTION, roleLabel, ROLES } from './roles';

const who = (u: { name?: string | null; email: string }) => u.name || u.email;

const INVITE_COLORS: Record<Invite['status'], string> = { pending: 'blue', accepted: 'green', expired: 'gray', revoked: 'red' };

function UsersTable({ users, onRevoke, onReinstate }: { users: ConsoleUser[]; onRevoke: (u: ConsoleUser) => void; onReinstate: (u: ConsoleUser) => void }) {
  const session = useSession();
  const update = useUpdateUser();
  const roles = manageableRoles(session.role);
  const target = update.variables ? users.find((u) => u.id === update.variables.id) : undefined;

  return (
    <Stack gap="sm">
      {update.error && (
        <ErrorState title={`Could not change ${target ? who(target) : 'the user'}`} error={update.error} />
      )}
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={820}>
          <Table aria-label="Users" verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Person</Table.Th>
                <Table.Th scope="col">Role</Table.Th>
                <Table.Th scope="col">PHI access</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Last sign-in</Table.Th>
                <Table.Th scope="col">
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.map((u) => {
                const self = u.id === session.user.id;
                const revoked = u.status === 'revoked';
                const mayManage = roles.includes(u.role);
                const locked = revoked || !mayManage;
                const busy = update.isPending && update.variables.id === u.id;
                const options = ROLES.filter((r) => roles.includes(r.value) || r.value === u.role);
                return (
                  <Table.Tr key={u.id}>
                    <Table.Th scope="row" fw={400}>
                      <Group gap={6} wrap="nowrap">
                        <Text fw={500} size="sm">
                          {u.name || '—'}
                        </Text>
                        {self && (
                          <Badge variant="outline" size="xs">
                            you
                          </Badge>
                        )}
                      </Group>
                      <Text size="xs" c="dimmed">
                        {u.email}
                      </Text>
                    </Table.Th>
                    <Table.Td>
                      <NativeSelect
                        aria-label={`Role of ${u.email}`}
                        size="xs"
                        value={u.role}
                        disabled={locked || busy}
                        onChange={(e) => update.mutate({ id: u.id, patch: { role: e.currentTarget.value as Role } })}
                        data={options.map((r) => ({ value: r.value, label: r.label }))}
                        description={!revoked && !mayManage ? 'Only an owner can manage owners' : undefined}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Switch
                        aria-label={`PHI access for ${u.email}`}
                        title={PHI_GRANT_DESCRIPTION}
                        checked={u.phi}
                        disabled={locked || busy}
                        onChange={(e) => update.mutate({ id: u.id, patch: { phi: e.currentTarget.checked } })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={revoked ? 'red' : 'green'}>
                        {u.status}
                      </Badge>
                      {revoked && (
                        <Text size="xs" c="dimmed">
                          {formatDateTime(u.revokedAt)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={formatDateTime(u.lastLoginAt)}>
                        {formatRelative(u.lastLoginAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {!revoked && !self && mayManage && (
                        <Button size="xs" variant="light" color="red" onClick={() => onRevoke(u)} aria-label={`Revoke ${who(u)}`}>
                          Revoke
                        </Button>
                      )}
                      {revoked && mayManage && (
                        <Button size="xs" variant="light" onClick={() => onReinstate(u)} aria-label={`Reinstate ${who(u)}`}>
                          Reinstate
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
    </Stack>
  );
}

function InvitesTable({ invites, onResend, onRevoke, resending }: { invites: Invite[]; onResend: (i: Invite) => void; onRevoke: (i: Invite) => void; resending: string | null }) {
  const roles = manageableRoles(useSession().role);
  return (
    <Card withBorder padding={0}>
      <Table.ScrollContainer minWidth={720}>
        <Table aria-label="Invites" verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
              <Table.Th scope="col">PHI access</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Expires</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invites.map((i) => {
              const mayManage = roles.includes(i.role);
              return (
                <Table.Tr key={i.id}>
                  <Table.Th scope="row" fw={400}>
                    {i.email}
                  </Table.Th>
                  <Table.Td>{roleLabel(i.role)}</Table.Td>
                  <Table.Td>{i.phi ? 'Yes' : 'No'}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={INVITE_COLORS[i.status]}>
                      {i.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{i.status === 'accepted' ? `accepted ${formatDateTime(i.acceptedAt)}` : formatDateTime(i.expiresAt)}</Table.Td>
                  <Table.Td>
                    {mayManage && (i.status === 'pending' || i.status === 'expired') && (
                      <Group gap="xs" wrap="nowrap">
                        <Button size="xs" variant="default" onClick={() => onResend(i)} loading={resending === i.id} aria-label={`New link for ${i.email}`}>
                          New link
                        </Button>
                        {i.status === 'pending' && (
                          <Button size="xs" variant="light" color="red" onClick={() => onRevoke(i)} aria-label={`Revoke invite for ${i.email}`}>
                            Revoke
                          </Button>
                        )}
                      </Group>
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
}

/** People of the tenant: roles, PHI grant, revocation, and invites (the link is shown to the inviter once). */
export default function UsersPage() {
  const session = useSession();
  const users = useUsers();
  const invites = useInvites();
  const createInvite = useCreateInvite(session.tenant.id);
  const resendInvite = useResendInvite();
  const revokeUser = useRevokeUser();
  const reinstateUser = useReinstateUser();
  const revokeInvite = useRevokeInvite();

  const [inviting, setInviting] = useState(false);
  // Invite links: component state only (never storage, URL or query cache), dropped when the dialog closes.
  const [issued, setIssued] = useState<IssuedInvite | null>(null);
  const [resent, setResent] = useState<IssuedInvite | null>(null);
  const [userToRevoke, setUserToRevoke] = useState<ConsoleUser | null>(null);
  const [userToReinstate, setUserToReinstate] = useState<ConsoleUser | null>(null);
  const [inviteToRevoke, setInviteToRevoke] = useState<Invite | null>(null);

  const roles = manageableRoles(session.role);

  const closeInvite = () => {
    setInviting(false);
    setIssued(null);
    createInvite.reset();
  };

  let people;
  if (users.isPending) people = <LoadingState label="Loading users…" />;
  else if (users.error) people = <ErrorState title="Could not load users" error={users.error} onRetry={() => void users.refetch()} />;
  else if (users.data.length === 0) people = <EmptyState title="No users yet" />;
  else people = <UsersTable users={users.data} onRevoke={setUserToRevoke} onReinstate={setUserToReinstate} />;

  let invitesContent;
  if (invites.isPending) invitesContent = <LoadingState label="Loading invites…" />;
  else if (invites.error) invitesContent = <ErrorState title="Could not load invites" error={invites.error} onRetry={() => void invites.refetch()} />;
  else if (invites.data.length === 0)
    invitesContent = (
      <Text c="dimmed" size="sm">
        No invites yet. “Invite user” creates a single-use link valid for 72 hours.
      </Text>
    );
  else
    invitesContent = (
      <InvitesTable
        invites={invites.data}
        resending={resendInvite.isPending ? (resendInvite.variables ?? null) : null}
        onResend={(i) =>
          resendInvite.mutate(i.id, {
            onSuccess: (fresh) => {
              setResent(fresh);
              resendInvite.reset();
            },
          })
        }
        onRevoke={setInviteToRevoke}
      />
    );

  return (
    <Page title="Users" actions={roles.length > 0 ? <Button onClick={() => setInviting(true)}>Invite user</Button> : null}>
      {people}
      <Title order={2} size="h4">
        Invites
      </Title>
      {resendInvite.error && <ErrorState title="Could not create a new link" error={resendInvite.error} />}
      {invitesContent}

      <InviteDialog
        opened={inviting}
        roles={roles}
        pending={createInvite.isPending}
        error={createInvite.error}
        issued={issued}
        onSubmit={(input) =>
          createInvite.mutate(input, {
            onSuccess: (invite) => {
              setIssued(invite);
              createInvite.reset();
            },
          })
        }
        onClose={closeInvite}
      />

      <Modal opened={resent !== null} onClose={() => setResent(null)} title={resent ? `New invite link for ${resent.email}` : ''} centered size="lg">
        {resent && (
          <Stack>
            <InviteLink invite={resent} resent />
            <Group justify="flex-end">
              <Button onClick={() => setResent(null)}>Done</Button>
            </Group>
          </Stack>
        )}
      </Modal>

      <ConfirmDialog
        opened={userToRevoke !== null}
        title={userToRevoke ? `Revoke ${who(userToRevoke)}?` : ''}
        confirmLabel={userToRevoke ? `Revoke ${who(userToRevoke)}` : 'Revoke'}
        pending={revokeUser.isPending}
        error={revokeUser.error}
        errorTitle="Could not revoke"
        onClose={() => {
          setUserToRevoke(null);
          revokeUser.reset();
        }}
        onConfirm={() =>
          userToRevoke &&
          revokeUser.mutate(userToRevoke.id, {
            onSuccess: () => setUserToRevoke(null),
          })
        }
      >
        {userToRevoke && (
          <Text size="sm">
            {who(userToRevoke)} ({userToRevoke.email}, {roleLabel(userToRevoke.role)}) is signed out everywhere at once and can no longer sign in. You can reinstate them
            later from this page; the sessions ended now stay ended.
          </Text>
        )}
      </ConfirmDialog>

      <ConfirmDialog
        opened={userToReinstate !== null}
        title={userToReinstate ? `Reinstate ${who(userToReinstate)}?` : ''}
        confirmLabel={userToReinstate ? `Reinstate ${who(userToReinstate)}` : 'Reinstate'}
        confirmColor="blue"
        pending={reinstateUser.isPending}
        error={reinstateUser.error}
        errorTitle="Could not reinstate"
        onClose={() => {
          setUserToReinstate(null);
          reinstateUser.reset();
        }}
        onConfirm={() =>
          userToReinstate &&
          reinstateUser.mutate(userToReinstate.id, {
            onSuccess: () => setUserToReinstate(null),
          })
        }
      >
        {userToReinstate && (
          <Text size="sm">
            {who(userToReinstate)} ({userToReinstate.email}) can sign in again with their password, as {roleLabel(userToReinstate.role)}
            {userToReinstate.phi ? ' with' : ' without'} PHI access. They sign in afresh: sessions ended by the revocation stay ended.
          </Text>
        )}
      </ConfirmDialog>

      <ConfirmDialog
        opened={inviteToRevoke !== null}
        title={inviteToRevoke ? `Revoke the invite for ${inviteToRevoke.email}?` : ''}
        confirmLabel="Revoke invite"
        pending={revokeInvite.isPending}
        error={revokeInvite.error}
        errorTitle="Could not revoke the invite"
        onClose={() => {
          setInviteToRevoke(null);
          revokeInvite.reset();
        }}
        onConfirm={() => inviteToRevoke && revokeInvite.mutate(inviteToRevoke.id, { onSuccess: () => setInviteToRevoke(null) })}
      >
        {inviteToRevoke && <Text size="sm">The link sent to {inviteToRevoke.email} stops working now. You can invite them again later.</Text>}
      </ConfirmDialog>
    </Page>
  );
}
