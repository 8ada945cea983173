import { Alert, Anchor, Badge, Button, Center, Code, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { isApiError } from '../api/client';
import { ErrorState, LoadingState, describeError } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { useAcceptInvite, useInvite } from './queries';

const MIN_PASSWORD_LENGTH = 12;

/** Reads the token from the fragment once (it never reaches a server log), then drops it from the address bar. */
function useInviteTokenFromFragment(): string | null {
  const [token] = useState<string | null>(() => {
    const raw = window.location.hash.replace(/^#/, '');
    return raw ? decodeURIComponent(raw) : null;
  });
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }, []);
  return token;
}

/** `<publicUrl>/console/invite#<token>`: choose a name and password, then sign in. */
export function AcceptInvitePage() {
  const token = useInviteTokenFromFragment();
  const invite = useInvite(token);
  const accept = useAcceptInvite(token);
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);

  useEffect(() => {
    document.title = 'Accept invite · Switchboard';
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password.length < MIN_PASSWORD_LENGTH) return setLocalError(`Use at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (password !== repeat) return setLocalError('The two passwords differ.');
    setLocalError(null);
    accept.mutate(
      { name: name.trim(), password },
      { onSuccess: ({ email }) => void navigate('/login', { replace: true, state: { email } }) },
    );
  };

  let body;
  if (!token) {
    body = <ErrorState title="No invite in this link" error={{ code: 'not_found', message: 'Open the full invite link from your email, including the part after “#”.' }} />;
  } else if (invite.isPending) {
    body = <LoadingState label="Checking your invite…" />;
  } else if (invite.error) {
    const expired = isApiError(invite.error) && invite.error.code === 'invite_expired';
    body = <ErrorState title={expired ? 'This invite has expired' : 'This invite cannot be used'} error={invite.error} />;
  } else {
    const acceptError = accept.error ? describeError(accept.error) : null;
    const issues = isApiError(accept.error) ? accept.error.issues : undefined;
    body = (
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text>
            You are invited to <b>{invite.data.tenantName}</b> as <Badge variant="light">{invite.data.role}</Badge>
            {invite.data.phi ? (
              <>
                {' '}
                with the <Badge color="grape" variant="light">PHI</Badge> grant
              </>
            ) : null}
            .
          </Text>
          <Text size="sm" c="dimmed">
            The invite expires {formatDateTime(invite.data.expiresAt)}.
          </Text>
          {(localError || acceptError) && (
            <Alert color="red" role="alert" title="Could not accept the invite">
              {localError ?? (
                <>
                  {acceptError?.message} <Code>{acceptError?.code}</Code>
                  {issues?.map((i) => (
                    <Text size="sm" key={`${i.path}:${i.message}`}>
                      {i.message}
                    </Text>
                  ))}
                </>
              )}
            </Alert>
          )}
          <TextInput label="Email" value={invite.data.email} readOnly autoComplete="username" />
          <TextInput label="Your name" required autoComplete="name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <PasswordInput
            label="Password"
            withAsterisk={false}
            description="Twelve characters or more; common passwords are refused."
            required
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <PasswordInput label="Repeat password" withAsterisk={false} required autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button type="submit" loading={accept.isPending}>
              Create account
            </Button>
          </Group>
        </Stack>
      </form>
    );
  }

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={480} component="main">
        <Stack>
          <Title order={1} size="h3">
            Accept your invite
          </Title>
          {body}
          <Anchor component={Link} to="/login" size="sm">
            Already have an account? Sign in
          </Anchor>
        </Stack>
      </Paper>
    </Center>
  );
}
