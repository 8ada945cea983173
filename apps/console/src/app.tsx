import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { hashKey, MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { isApiError } from './api/client';
import { authKeys } from './auth/queries';

const theme = createTheme({ primaryColor: 'indigo', defaultRadius: 'md' });

/**
 * One cache for REST and GraphQL. A 401 anywhere (session expired or revoked)
 * re-reads /me, whose 401 sends the user to the login page.
 */
export function createQueryClient(options: { retry?: boolean } = {}): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isApiError(error) && error.status === 401 && query.queryHash !== hashKey(authKeys.me)) void client.invalidateQueries({ queryKey: authKeys.me });
      },
    }),
    mutationCache: new MutationCache({
      onError: (error) => {
        if (isApiError(error) && error.status === 401) void client.invalidateQueries({ queryKey: authKeys.me });
      },
    }),
    defaultOptions: {
      queries: {
        retry: options.retry === false ? false : (count, error) => !(isApiError(error) && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
  return client;
}

export function AppProviders({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <MantineProvider theme={theme}>
      <Notifications />
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </MantineProvider>
  );
}
