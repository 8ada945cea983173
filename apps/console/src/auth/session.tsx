import { createContext, useContext, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { isApiError } from '../api/client';
import type { ConsoleSession, TenantSession } from '../api/types';
import { ErrorState, LoadingState } from '../ui/states';
import { useMe } from './queries';
import { accessOf, hasScope } from './scopes';

const SessionContext = createContext<ConsoleSession | null>(null);

/** Whoever is signed in: a tenant's user or an operator user (inside RequireSession only). */
export function useConsoleSession(): ConsoleSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useConsoleSession outside RequireSession');
  return session;
}

/** The signed-in tenant user, tenant, role and scopes: for tenant pages, which operator users never reach. */
export function useSession(): TenantSession {
  const session = useConsoleSession();
  if (session.tenant === null || session.role === 'operator') throw new Error('useSession in an operator session');
  return { ...session, tenant: session.tenant, role: session.role };
}

/** True when the signed-in person may open what `scope` guards (a tenant scope, or operator access). */
export function useCan(scope: string): boolean {
  return hasScope(accessOf(useConsoleSession()), scope);
}

/** Renders its children for a signed-in user; a 401 from /me sends the browser to the login page. */
export function RequireSession({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.error && isApiError(me.error) && me.error.status === 401) {
    return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  }
  if (me.data) return <SessionContext.Provider value={me.data}>{children}</SessionContext.Provider>;
  if (me.error) return <ErrorState error={me.error} title="Could not load your session" onRetry={() => void me.refetch()} />;
  return <LoadingState label="Loading your session…" />;
}

/** Only for a user whose scopes allow `scope`; otherwise says so (the API would answer 403). */
export function RequireScope({ scope, children }: { scope: string; children: ReactNode }) {
  if (!useCan(scope)) return <ErrorState title="Not available to your role" error={{ code: 'forbidden', message: `This page needs the ${scope} permission.` }} />;
  return <>{children}</>;
}
