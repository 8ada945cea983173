import { hasScope } from './auth/scopes';

/**
 * The navigation, in order: one entry per feature page, with the scope that
 * shows it. A user sees only the entries their scopes allow; the first one they
 * may see is where sign-in lands (Connections for most, Usage for finance).
 * Adding a page: one entry here and one in routes.tsx.
 */
export interface NavItem {
  label: string;
  /** Path inside the console (the router's basename is /console). */
  path: string;
  scope: string;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { label: 'Connections', path: '/connections', scope: 'connections:read' },
  { label: 'Webhooks', path: '/webhooks', scope: 'webhooks:read' },
  { label: 'Usage', path: '/usage', scope: 'usage:read' },
  { label: 'Users', path: '/users', scope: 'admin:users' },
  { label: 'API keys', path: '/api-keys', scope: 'admin:api-keys' },
  { label: 'Audit', path: '/audit', scope: 'audit:read' },
];

export const visibleNav = (scopes: readonly string[], items: readonly NavItem[] = NAV_ITEMS): NavItem[] =>
  items.filter((item) => hasScope(scopes, item.scope));

/** Where a user lands after signing in. */
export const homePath = (scopes: readonly string[]): string => visibleNav(scopes)[0]?.path ?? '/no-access';
