import { Anchor, Button, Center, Code, Paper, PasswordInput, Stack, Text, TextInput, Title, Alert } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { isApiError } from '../api/client';
import { homePath } from '../nav';
import { describeError } from '../ui/states';
import { useSignIn } from './queries';

/** Email + password sign-in; the API sets an HttpOnly session cookie. */
export function LoginPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const prefill = (location.state as { email?: string } | null)?.email ?? '';
  const [email, setEmail] = useState(prefill);
  const [password, setPassword] = useState('');
  const signIn = useSignIn();

  useEffect(() => {
    document.title = 'Sign in · Switchboard';
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate(
      { email: email.trim(), password },
      {
        onSuccess: (session) => {
          setPassword('');
          void navigate(homePath(session), { replace: true });
        },
      },
    );
  };

  const error = signIn.error ? describeError(signIn.error) : null;
  const retryAfter = isApiError(signIn.error) ? signIn.error.retryAfterSeconds : undefined;

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={400} component="main">
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={1} size="h3">
              Sign in to Switchboard
            </Title>
            {error && (
              <Alert color="red" role="alert" title="Could not sign in">
                <Text size="sm">
                  {error.message} <Code>{error.code}</Code>
                </Text>
                {retryAfter ? <Text size="sm">Try again in {retryAfter} seconds.</Text> : null}
              </Alert>
            )}
            <TextInput label="Email" type="email" autoComplete="username" required withAsterisk={false} value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
            <PasswordInput label="Password" autoComplete="current-password" required withAsterisk={false} value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <Button type="submit" loading={signIn.isPending}>
              Sign in
            </Button>
            <Text size="xs" c="dimmed">
              New here? Open the invite link your administrator sent you. Machines use{' '}
              <Anchor href="/docs" size="xs">
                API keys
              </Anchor>{' '}
              instead.
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
