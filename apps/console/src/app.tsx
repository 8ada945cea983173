import { createTheme, darken, defaultVariantColorsResolver, MantineProvider, parseThemeColor, type CSSVariablesResolver, type VariantColorsResolver } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { hashKey, MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { isApiError } from './api/client';
import { authKeys } from './auth/queries';

/**
 * Light and outline badges and alerts keep their hue in the background and border,
 * with near-black text, and filled non-primary colours use a darker shade: Mantine's
 * tinted text (green, yellow, teal…) on a pale background, and white on its filled
 * green, are below WCAG AA contrast.
 */
const readableVariants: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const { color } = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (input.variant === 'filled' && color !== input.theme.primaryColor && input.theme.colors[color]) {
    // White on green, teal or yellow at Mantine's filled shade is below 4.5:1; a darker shade 9 is not.
    const shade9 = input.theme.colors[color][9];
    return { ...colors, background: darken(shade9, 0.2), hover: darken(shade9, 0.3), color: 'var(--mantine-color-white)' };
  }
  // A hovered subtle button (often the one just clicked) keeps its tinted text at AA: Mantine's light-hover background gives 4.1:1, shade 1 gives 5.3:1.
  if (input.variant === 'subtle' && input.theme.colors[color]) return { ...colors, hover: `var(--mantine-color-${color}-1)` };
  if (input.variant !== 'light' && input.variant !== 'outline') return colors;
  return { ...colors, color: 'var(--mantine-color-dark-9)', ...(input.variant === 'outline' ? { border: `1px solid var(--mantine-color-${color}-7)` } : {}) };
};

/** Shade 7 and a darker "dimmed" keep text at WCAG AA contrast (4.5:1) on white; Mantine's defaults fall short. */
const theme = createTheme({
  variantColorResolver: readableVariants,
  primaryColor: 'indigo',
  primaryShade: { light: 7, dark: 5 },
  defaultRadius: 'md',
  components: {
    // Links are told from text by more than colour (WCAG 1.4.1).
    Anchor: { defaultProps: { underline: 'always' } },
    // The eye button's name must not contain the field's label, or "Password" would name two controls.
    PasswordInput: { defaultProps: { visibilityToggleButtonProps: { 'aria-label': 'Show or hide the characters' } } },
    // A status badge keeps its whole word in a narrow table column instead of "SUCC…".
    Badge: { styles: { root: { minWidth: 'max-content' } } },
    // The current page's nav link, hovered: Mantine's light-hover background leaves its text at 4.1:1; indigo-1 keeps 5.3:1.
    // Every dialog's × button has a name (axe button-name).
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    NavLink: { vars: () => ({ root: { '--nl-hover': 'var(--mantine-color-indigo-1)' } }) },
  },
});
const contrastVariables: CSSVariablesResolver = (t) => ({
  variables: {},
  light: { '--mantine-color-dimmed': t.colors.gray[7], '--mantine-color-anchor': t.colors.indigo[8] },
  dark: {},
});

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
    <MantineProvider theme={theme} cssVariablesResolver={contrastVariables}>
      <Notifications />
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </MantineProvider>
  );
}
