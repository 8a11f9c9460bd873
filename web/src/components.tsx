// The console's building blocks: errors in words, empty states that say what to do, tables
// that page on the server, buttons that ask before they do something final.
import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type FormEvent,
  type ReactNode,
} from 'react';

import { ApiError, type Page } from './api';
import { ariaSort, useServerSort } from './sorting';

// `hint` says in words what to do about it, when the caller knows more than the server's message.
export function ErrorMessage({ error, title, hint }: { error: unknown; title?: string; hint?: ReactNode }) {
  if (!error) return null;
  let message: string;
  let code: string | null = null;
  let details: [string, unknown][] = [];
  if (error instanceof ApiError) {
    message = error.message;
    code = error.code;
    details = Object.entries(error.details);
  } else if (error instanceof Error) {
    message = error.message;
  } else {
    message = String(error);
  }
  return (
    <div className="error" role="alert">
      <p>
        <strong>{title ?? 'That did not work.'}</strong> {message}
      </p>
      {hint ? <p className="error-hint">{hint}</p> : null}
      {(code || details.length > 0) && (
        <p className="error-meta">
          {code && <span>Error code: {code}</span>}
          {details.map(([k, v]) => (
            <span key={k}>
              {' '}
              · {k}: {typeof v === 'string' ? v : JSON.stringify(v)}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <p className="empty-title">{title}</p>
      {children && <div>{children}</div>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return <span>{value}</span>;
  return (
    <time dateTime={value} title={value}>
      {d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}

export function age(value: string | null | undefined, now = Date.now()): string {
  if (!value) return '—';
  const seconds = Math.max(0, Math.round((now - new Date(value).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
}

export function Badge({ value }: { value: string }) {
  return <span className={`badge badge-${value.replace(/[^a-z_]/g, '')}`}>{value.replace(/_/g, ' ')}</span>;
}

export function Code({ children }: { children: ReactNode }) {
  return <code className="id">{children}</code>;
}

// Runs `load` when its dependencies change; `reload` runs it again.
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // The caller names the dependencies, as with useEffect.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

// A form's submit: disables the button while the request runs and shows its error.
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clearError: () => setError(null) };
}

export interface Column<T> {
  key: string;
  label: string;
  render: (row: T) => ReactNode;
  // The column the API sorts this one by (?sort=), when the list sorts on the server.
  sortBy?: string;
}

interface PagedTableProps<T> {
  caption: string;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  // Fetches one page from the server: `cursor` is "" for the first page, `sort` the API's sort
  // parameter (undefined for the list's default order).
  load: (cursor: string, limit: number, sort: string | undefined) => Promise<Page<T>>;
  reloadKey?: unknown;
  empty: ReactNode;
  what: string; // "organizations", for messages
}

const PAGE_SIZES = [10, 25, 50, 100];

// A table of one server page at a time (?limit=&cursor=): "Next" follows the server's
// next_cursor, "Previous" goes back to the cursor it came from. The headers of columns with
// `sortBy` are buttons that sort on the server (?sort=), from the first page again.
export function PagedTable<T>({ caption, columns, rowKey, load, reloadKey, empty, what }: PagedTableProps<T>) {
  const [limit, setLimit] = useState(25);
  const [cursors, setCursors] = useState<string[]>(['']);
  const cursor = cursors[cursors.length - 1]!;
  const { sort, param: sortParam, toggle } = useServerSort();
  const { data, error, loading } = useLoad(
    () => load(cursor, limit, sortParam),
    [cursor, limit, sortParam, reloadKey],
  );
  const limitId = useId();
  const rows = data ? data.items : [];
  const sortBy = (column: string) => {
    toggle(column);
    setCursors(['']);
  };

  return (
    <div className="table-block">
      {error ? <ErrorMessage error={error} title={`The ${what} could not be loaded.`} /> : null}
      {loading && !data ? <Loading what={what} /> : null}
      {data && data.items.length === 0 && cursors.length === 1 ? (
        empty
      ) : data ? (
        <div className="table-scroll">
          <table>
            <caption>
              {caption}
              <span className="muted"> — page {cursors.length}</span>
            </caption>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.key} scope="col" aria-sort={c.sortBy ? ariaSort(sort, c.sortBy) : undefined}>
                    {c.sortBy ? (
                      <button type="button" className="sort" onClick={() => sortBy(c.sortBy!)}>
                        <span className="visually-hidden">Sort by </span>
                        {c.label}
                        <span aria-hidden="true">
                          {sort?.column === c.sortBy ? (sort.descending ? ' ▼' : ' ▲') : ' ↕'}
                        </span>
                      </button>
                    ) : (
                      c.label
                    )}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={rowKey(row)}>
                  {columns.map((c) => (
                    <td key={c.key}>{c.render(row)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav className="pager" aria-label={`Pages of ${what}`}>
        <button
          type="button"
          onClick={() => setCursors((c) => c.slice(0, -1))}
          disabled={cursors.length === 1 || loading}
        >
          ← Previous page
        </button>
        <button
          type="button"
          onClick={() => data?.next_cursor && setCursors((c) => [...c, data.next_cursor!])}
          disabled={!data?.next_cursor || loading}
        >
          Next page →
        </button>
        <label htmlFor={limitId}>Rows per page</label>
        <select
          id={limitId}
          value={limit}
          onChange={(e) => {
            setLimit(Number(e.target.value));
            setCursors(['']);
          }}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </nav>
    </div>
  );
}

// A button for something final: the first press asks, the second does it. The button shows
// `action` ("Revoke"); `what` ("the token ci-upload") is read out to screen readers with it.
export function ConfirmButton({
  action,
  what,
  onConfirm,
  disabled,
}: {
  action: string;
  what: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  const context = <span className="visually-hidden"> {what}</span>;
  if (!asking) {
    return (
      <button type="button" onClick={() => setAsking(true)} disabled={disabled}>
        {action}
        {context}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button
        type="button"
        ref={confirmRef}
        className="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Confirm {action.toLowerCase()}
        {context}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <>
      <button type="button" onClick={copy}>
        {label}
      </button>
      <span className="copy-status" role="status">
        {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Copying failed: select the text and copy it.' : ''}
      </span>
    </>
  );
}

export function Form({
  onSubmit,
  children,
  label,
}: {
  onSubmit: () => void;
  children: ReactNode;
  label: string;
}) {
  return (
    <form
      aria-label={label}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: (props: { id: string; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': hint ? hintId : undefined })}
      {hint && (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      )}
    </div>
  );
}
