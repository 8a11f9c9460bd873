// Who is signed in. The session cookie is HttpOnly, so the console learns who it is by asking
// GET /api/v1/whoami; it counts as signed in only while it also holds the CSRF token that
// sign-in returned (kept in sessionStorage, so a reload keeps the session and a new tab signs in
// afresh).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

import { api, ApiError, hasCsrfToken, onSignedOut, setCsrfToken, type Identity, type SignedIn } from './api';

interface Session {
  status: 'loading' | 'signed-out' | 'signed-in';
  identity: Identity | null;
  notice: string | null; // why the user was signed out, if not by their own choice
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  refresh: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Session['status']>('loading');
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    if (!hasCsrfToken()) {
      setIdentity(null);
      setStatus('signed-out');
      return;
    }
    try {
      setIdentity(await api.get<Identity>('/whoami'));
      setStatus('signed-in');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setCsrfToken(null);
        setIdentity(null);
        setStatus('signed-out');
      } else {
        throw e;
      }
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setStatus('signed-out'));
    return onSignedOut(() => {
      setIdentity(null);
      setStatus('signed-out');
      setNotice('Your session has ended. Sign in again to continue.');
    });
  }, [refresh]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const session = await api.post<SignedIn>('/session', { email, password });
      setCsrfToken(session.csrf_token);
      setNotice(null);
      await refresh();
    },
    [refresh],
  );

  const signOut = useCallback(async () => {
    try {
      await api.del('/session');
    } catch {
      // The session is gone either way.
    }
    setCsrfToken(null);
    setIdentity(null);
    setNotice('You have signed out.');
    setStatus('signed-out');
  }, []);

  const value = useMemo(
    () => ({ status, identity, notice, signIn, signOut, refresh }),
    [status, identity, notice, signIn, signOut, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

// The signed-in identity; only for pages rendered behind the sign-in gate.
export function useIdentity(): Identity {
  const { identity } = useSession();
  if (!identity) throw new Error('useIdentity while signed out');
  return identity;
}

export function isPlatformAdmin(identity: Identity): boolean {
  return identity.grants.some(
    (g) => g.object === 'platform' && g.relation === 'admin' && g.state === 'active',
  );
}
