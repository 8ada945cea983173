import { createContext, useContext, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { isApiError } from '../api/client';
import type { ConsoleSession } from '../api/types';
import { ErrorState, LoadingState } from '../ui/states';
import { useMe } from './queries';
import { hasScope } from './scopes';

const SessionContext = createContext<ConsoleSession | null>(null);

/** The signed-in user, tenant, role and scopes (inside RequireSession only). */
export function useSession(): ConsoleSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside RequireSession');
  return session;
}

/** True when the signed-in user's scopes allow `scope`. */
export function useCan(scope: string): boolean {
  return hasScope(useSession().scopes, scope);
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
