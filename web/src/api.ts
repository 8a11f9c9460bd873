// The console's only way to the server: the public API under /api/v1, as any other client
// would call it. A console session is a cookie (HttpOnly, set by POST /api/v1/session) plus the
// CSRF token that sign-in returns, sent as X-CSRF-Token on every request that changes
// something. Errors come back as ApiError, carrying the API's own code, message and details.

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details ?? {};
  }
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Organization {
  id: string;
  name: string;
  kind: string;
  created_at: string;
}

export interface User {
  id: string;
  org_id: string;
  email: string;
  display_name: string;
  disabled: boolean;
  has_password: boolean;
  created_at: string;
}

export interface ApiToken {
  id: string;
  user_id: string;
  name: string;
  state: 'active' | 'revoked' | 'expired';
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface IssuedToken extends ApiToken {
  token: string;
}

export interface Tuple {
  id: string;
  object: string;
  relation: string;
  subject: string;
  state: 'active' | 'pending_approval' | 'expired' | 'scheduled' | 'revoked';
  valid_from: string;
  expires_at: string | null;
  created_at: string;
  created_by: string;
  approved_by: string | null;
  approved_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface Identity {
  user: User;
  organization: Organization;
  credential: { id: string; kind: 'session' | 'api_token' };
  grants: Tuple[];
}

export interface SignedIn {
  user_id: string;
  org_id: string;
  csrf_token: string;
  expires_at: string;
}

export interface JobQueue {
  kind: string;
  queued: number;
  leased: number;
  failed: number;
  dead: number;
  done: number;
  oldest_queued_at: string | null;
}

export interface Job {
  id: string;
  kind: string;
  state: string;
  attempts: number;
  max_attempts: number;
  run_at: string;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface LedgerEntry {
  index: number;
  leaf_hash: string;
  appended_at: string;
  leaf: string; // base64 of the leaf bytes: the record itself
  entry: unknown; // the server's parse of the leaf, never trusted by the console
}

export interface LedgerEntries {
  items: LedgerEntry[];
  next_start: number | null;
}

export interface InclusionProof {
  index: number;
  size: number;
  root: string;
  proof: string[];
}

export interface ConsistencyProof {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
}

const CSRF_KEY = 'bulwark.csrf';

let csrfToken: string | null = sessionStorage.getItem(CSRF_KEY);
const signedOutListeners = new Set<() => void>();

export function hasCsrfToken(): boolean {
  return csrfToken !== null;
}

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
  if (token === null) sessionStorage.removeItem(CSRF_KEY);
  else sessionStorage.setItem(CSRF_KEY, token);
}

// Called when the server answers 401 to a signed-in request: the session ended.
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

type Query = Record<string, string | number | null | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== null && v !== undefined && v !== '') params.set(k, String(v));
  }
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

// A body already encoded, sent as it is (a file's bytes), with its content type.
export class RawBody {
  constructor(
    readonly text: string,
    readonly type: string,
  ) {}
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, text/plain' };
  if (body !== undefined) headers['Content-Type'] = body instanceof RawBody ? body.type : 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : body instanceof RawBody ? body.text : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, {
      code: 'network_error',
      message: `The server could not be reached (${e instanceof Error ? e.message : String(e)}). Check that Bulwark is running and try again.`,
    });
  }
  const type = response.headers.get('Content-Type') ?? '';
  if (!response.ok) {
    let error: ApiErrorBody = {
      code: `http_${response.status}`,
      message: `The server answered ${response.status} ${response.statusText}.`,
    };
    if (type.includes('application/json')) {
      try {
        const parsed = (await response.json()) as { error?: ApiErrorBody };
        if (parsed.error && typeof parsed.error.message === 'string') error = parsed.error;
      } catch {
        // Keep the generic message.
      }
    }
    if (response.status === 401 && path !== '/session' && csrfToken !== null) {
      setCsrfToken(null);
      signedOutListeners.forEach((l) => l());
    }
    throw new ApiError(response.status, error);
  }
  if (response.status === 204) return undefined as T;
  if (type.includes('application/json')) return (await response.json()) as T;
  return (await response.text()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

export const enc = encodeURIComponent;
