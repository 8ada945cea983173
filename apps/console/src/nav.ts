import { accessOf, hasScope, OPERATOR_ACCESS } from './auth/scopes';

/**
 * The navigation, in order: one entry per feature page, with the scope that
 * shows it. A user sees only the entries their scopes allow; the first one they
 * may see is where sign-in lands (Connections for most, Usage for finance, Tenants
 * for an operator user, who sees nothing else).
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
  { label: 'Health alerts', path: '/health-alerts', scope: 'connections:read' },
  { label: 'Webhooks', path: '/webhooks', scope: 'webhooks:read' },
  { label: 'Usage', path: '/usage', scope: 'usage:read' },
  { label: 'Billing', path: '/billing', scope: 'usage:read' },
  { label: 'Invoices', path: '/invoices', scope: 'usage:read' },
  { label: 'Adjustments', path: '/adjustments', scope: 'usage:read' },
  { label: 'Usage alerts', path: '/alerts', scope: 'usage:read' },
  { label: 'Users', path: '/users', scope: 'admin:users' },
  { label: 'API keys', path: '/api-keys', scope: 'admin:api-keys' },
  { label: 'SMART apps', path: '/smart-apps', scope: 'admin:oauth-clients' },
  { label: 'Audit', path: '/audit', scope: 'audit:read' },
  { label: 'Tenants', path: '/tenants', scope: OPERATOR_ACCESS },
];

/** The entries a session may open: its tenant scopes, or operator access for an operator user. */
export const visibleNav = (session: { role: string; scopes: readonly string[] }, items: readonly NavItem[] = NAV_ITEMS): NavItem[] =>
  items.filter((item) => hasScope(accessOf(session), item.scope));

/** Where a session lands after signing in. */
export const homePath = (session: { role: string; scopes: readonly string[] }): string => visibleNav(session)[0]?.path ?? '/no-access';
