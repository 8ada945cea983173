import { Badge, Button, Card, Group, Modal, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { IssuedInvite, Tenant } from '../api/types';
import { InviteDialog } from '../users/dialogs';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { useCreateTenant, useInviteOwner, useTenants } from './queries';

/** A slug suggested from the name: lowercase letters, digits and inner hyphens, as the API accepts. */
export const slugOf = (name: string): string =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');

function CreateTenantDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateTenant();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const close = () => {
    setName('');
    setSlug('');
    setSlugEdited(false);
    create.reset();
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: name.trim(), slug: slug.trim() }, { onSuccess: close });
  };
  return (
    <Modal opened={opened} onClose={close} title="Create a tenant" centered>
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            description="The customer's organization, as its people will see it"
            value={name}
            onChange={(e) => {
              const next = e.currentTarget.value;
              setName(next);
              if (!slugEdited) setSlug(slugOf(next));
            }}
            required
            autoComplete="off"
            data-autofocus
          />
          <TextInput
            label="Slug"
            description="Lowercase letters, digits and inner hyphens; unique, cannot be changed later"
            value={slug}
            onChange={(e) => {
              setSlug(e.currentTarget.value);
              setSlugEdited(true);
            }}
            required
            autoComplete="off"
            spellCheck={false}
          />
          {Boolean(create.error) && <ErrorState title="Could not create the tenant" error={create.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!name.trim() || !slug.trim()}>
              Create tenant
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function TenantsTable({ tenants, onInvite }: { tenants: Tenant[]; onInvite: (t: Tenant) => void }) {
  return (
    <Card withBorder padding={0}>
      <Table.ScrollContainer minWidth={640}>
        <Table aria-label="Tenants" verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Slug</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tenants.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Th scope="row" fw={500}>
                  {t.name}
                </Table.Th>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {t.slug}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={t.status === 'active' ? 'green' : 'gray'}>
                    {t.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{formatDateTime(t.createdAt)}</Table.Td>
                <Table.Td>
                  <Group justify="flex-end">
                    <Button size="xs" variant="default" onClick={() => onInvite(t)} aria-label={`Invite owner to ${t.name}`}>
                      Invite owner
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

/** The operator's view: every tenant, creating one, and inviting a tenant's first owner (the link is shown once). */
export default function TenantsPage() {
  const tenants = useTenants();
  const inviteOwner = useInviteOwner();
  const [creating, setCreating] = useState(false);
  const [inviteFor, setInviteFor] = useState<Tenant | null>(null);
  // The invite link: this dialog's state only (never storage, URL or query cache), dropped when it closes.
  const [issued, setIssued] = useState<IssuedInvite | null>(null);

  const closeInvite = () => {
    setInviteFor(null);
    setIssued(null);
    inviteOwner.reset();
  };

  let content;
  if (tenants.isPending) content = <LoadingState label="Loading tenants…" />;
  else if (tenants.error) content = <ErrorState title="Could not load tenants" error={tenants.error} onRetry={() => void tenants.refetch()} />;
  else if (tenants.data.length === 0)
    content = (
      <EmptyState title="No tenants yet">
        <Text c="dimmed" size="sm">
          “Create tenant” adds a customer; then invite its first owner, who invites everyone else.
        </Text>
      </EmptyState>
    );
  else content = <TenantsTable tenants={tenants.data} onInvite={setInviteFor} />;

  return (
    <Page title="Tenants" actions={<Button onClick={() => setCreating(true)}>Create tenant</Button>}>
      {content}
      <CreateTenantDialog opened={creating} onClose={() => setCreating(false)} />
      <InviteDialog
        opened={inviteFor !== null}
        title={inviteFor ? `Invite the owner of ${inviteFor.name}` : ''}
        roles={['owner']}
        pending={inviteOwner.isPending}
        error={inviteOwner.error}
        issued={issued}
        onSubmit={(input) => {
          if (!inviteFor) return;
          inviteOwner.mutate(
            { tenantId: inviteFor.id, email: input.email, phi: input.phi },
            {
              onSuccess: (invite) => {
                setIssued(invite);
                inviteOwner.reset();
              },
            },
          );
        }}
        onClose={closeInvite}
      />
    </Page>
  );
}
