import { lazy, Suspense, type ComponentType } from 'react';
import { Navigate, useRouteError, type RouteObject } from 'react-router';
import { LoginPage } from './auth/login-page';
import { OPERATOR_ACCESS } from './auth/scopes';
import { RequireScope, RequireSession, useConsoleSession } from './auth/session';
import { homePath } from './nav';
import { ConsoleShell } from './ui/app-shell';
import { ErrorState, LoadingState } from './ui/states';

/**
 * Every signed-in page: its path under /console, the scope it needs (operator pages:
 * OPERATOR_ACCESS, which only an operator user has), and its
 * component (lazy, so each feature is its own chunk). Adding a page: one entry
 * here, and one in nav.ts when it belongs in the navigation.
 */
export interface FeatureRoute {
  path: string;
  scope: string;
  Page: ComponentType;
}

export const FEATURE_ROUTES: readonly FeatureRoute[] = [
  { path: 'connections', scope: 'connections:read', Page: lazy(() => import('./connections/connections-list-page')) },
  { path: 'connections/new', scope: 'admin:connections', Page: lazy(() => import('./connections/connection-new-page')) },
  { path: 'connections/:id', scope: 'connections:read', Page: lazy(() => import('./connections/connection-detail-page')) },
  { path: 'connections/:id/messages', scope: 'connections:read', Page: lazy(() => import('./messages/message-log-page')) },
  { path: 'connections/:id/messages/:mid', scope: 'connections:read', Page: lazy(() => import('./messages/message-detail-page')) },
  { path: 'connections/:id/dialect', scope: 'admin:connections', Page: lazy(() => import('./messages/dialect-page')) },
  { path: 'connections/:id/exports', scope: 'connections:read', Page: lazy(() => import('./exports/exports-page')) },
  { path: 'webhooks', scope: 'webhooks:read', Page: lazy(() => import('./webhooks/webhooks-list-page')) },
  { path: 'webhooks/new', scope: 'admin:webhooks', Page: lazy(() => import('./webhooks/webhook-new-page')) },
  { path: 'webhooks/:id', scope: 'webhooks:read', Page: lazy(() => import('./webhooks/webhook-detail-page')) },
  { path: 'usage', scope: 'usage:read', Page: lazy(() => import('./usage/usage-page')) },
  { path: 'billing', scope: 'usage:read', Page: lazy(() => import('./billing/billing-page')) },
  { path: 'invoices', scope: 'usage:read', Page: lazy(() => import('./billing/invoices-page')) },
  { path: 'adjustments', scope: 'usage:read', Page: lazy(() => import('./billing/adjustments-page')) },
  { path: 'alerts', scope: 'usage:read', Page: lazy(() => import('./billing/alerts-page')) },
  { path: 'users', scope: 'admin:users', Page: lazy(() => import('./users/users-page')) },
  { path: 'api-keys', scope: 'admin:api-keys', Page: lazy(() => import('./api-keys/api-keys-page')) },
  { path: 'health-alerts', scope: 'connections:read', Page: lazy(() => import('./health-alerts/health-alerts-page')) },
  { path: 'smart-apps', scope: 'admin:oauth-clients', Page: lazy(() => import('./smart-apps/smart-apps-page')) },
  { path: 'audit', scope: 'audit:read', Page: lazy(() => import('./audit/audit-page')) },
  { path: 'tenants', scope: OPERATOR_ACCESS, Page: lazy(() => import('./tenants/tenants-page')) },
];

const AcceptInvitePage = lazy(() => import('./auth/accept-invite-page').then((m) => ({ default: m.AcceptInvitePage })));

function HomeRedirect() {
  return <Navigate to={homePath(useConsoleSession())} replace />;
}

function NoAccess() {
  return <ErrorState title="Nothing to show yet" error={{ code: 'forbidden', message: 'Your role has no console pages. Ask an owner or admin of your organization.' }} />;
}

/**
 * A page that failed to load or render. After a deploy the page chunks an open
 * console still refers to are gone, so that case asks for a reload; the error
 * itself is not logged (it may carry data from the page).
 */
function PageError() {
  const error = useRouteError();
  const stale = error instanceof TypeError && /dynamically imported module|Importing a module script failed/i.test(error.message);
  return (
    <ErrorState
      title={stale ? 'The console was updated' : 'This page failed'}
      error={{ code: stale ? 'console_updated' : 'page_error', message: stale ? 'A newer version is available: reload to continue.' : 'Something on this page failed to show. Reload to try again.' }}
      onRetry={() => window.location.reload()}
    />
  );
}

function NotFound() {
  return <ErrorState title="Page not found" error={{ code: 'not_found', message: 'There is no console page at this address.' }} />;
}

export function buildRoutes(routes: readonly FeatureRoute[] = FEATURE_ROUTES): RouteObject[] {
  return [
    { path: '/login', element: <LoginPage /> },
    {
      path: '/invite',
      element: (
        <Suspense fallback={<LoadingState />}>
          <AcceptInvitePage />
        </Suspense>
      ),
    },
    {
      path: '/',
      element: (
        <RequireSession>
          <ConsoleShell />
        </RequireSession>
      ),
      children: [
        { index: true, element: <HomeRedirect /> },
        { path: 'no-access', element: <NoAccess /> },
        ...routes.map(({ path, scope, Page }) => ({
          path,
          errorElement: <PageError />,
          element: (
            <RequireScope scope={scope}>
              <Page />
            </RequireScope>
          ),
        })),
        { path: '*', element: <NotFound /> },
      ],
    },
  ];
}
