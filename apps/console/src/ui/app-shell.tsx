import { AppShell, Badge, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { useSignOut } from '../auth/queries';
import { useConsoleSession } from '../auth/session';
import { visibleNav } from '../nav';
import { LoadingState } from './states';

/** Header (tenant, or Operator; user, role, sign-out) and the navigation the session allows. */
export function ConsoleShell() {
  const session = useConsoleSession();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const signOut = useSignOut();
  const items = visibleNav(session);

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={2} size="h4">
              Switchboard
            </Title>
            <Text c="dimmed" size="sm" visibleFrom="xs">
              {session.tenant?.name ?? 'Operator'}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="sm">
              {session.user.email}
            </Text>
            <Badge variant="light">{session.role}</Badge>
            {session.phi && (
              <Badge variant="light" color="grape" title="May view patient data">
                PHI
              </Badge>
            )}
            <Button
              variant="default"
              size="xs"
              loading={signOut.isPending}
              onClick={() => signOut.mutate(undefined, { onSettled: () => void navigate('/login', { replace: true }) })}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {items.map((item) => (
          <NavLink
            key={item.path}
            component={Link}
            to={item.path}
            label={item.label}
            onClick={close}
            active={location.pathname === item.path || location.pathname.startsWith(`${item.path}/`)}
            aria-current={location.pathname.startsWith(item.path) ? 'page' : undefined}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<LoadingState />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
