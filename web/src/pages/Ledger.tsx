// The ledger explorer. Everything it calls "verified" was checked here, in the browser, with
// the verifier key the user pinned: the checkpoint's Ed25519 signature, each entry's inclusion
// proof up to the signed root, and the consistency of each new checkpoint with the last one this
// browser verified. The server supplies bytes and proofs; it is never believed on its word.
import { useCallback, useEffect, useId, useState } from 'react';

import { api, type ConsistencyProof, type InclusionProof, type LedgerEntries, type LedgerEntry } from '../api';
import { Code, EmptyState, ErrorMessage, Field, Form, Loading, Time, useAction, useLoad } from '../components';
import {
  base64Decode,
  base64Encode,
  leafHash,
  parseVerifierKey,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  VerifyError,
  type Checkpoint,
  type VerifierKey,
} from '../ledger/verify';
import { isPlatformAdmin, useIdentity } from '../session';

const KEY_STORAGE = 'bulwark.ledger.key';
const SEEN_STORAGE = 'bulwark.ledger.checkpoint';
const PAGE = 25;

interface Remembered {
  key: string;
  size: string;
  root: string;
  seen_at: string;
}

type Outcome = { ok: true; message: string } | { ok: false; message: string } | { ok: null; message: string };

function readKey(): { key: VerifierKey | null; error: string | null } {
  const text = localStorage.getItem(KEY_STORAGE);
  if (!text) return { key: null, error: null };
  try {
    return { key: parseVerifierKey(text), error: null };
  } catch (e) {
    return { key: null, error: e instanceof Error ? e.message : String(e) };
  }
}

function readRemembered(key: VerifierKey): Remembered | null {
  try {
    const r = JSON.parse(localStorage.getItem(SEEN_STORAGE) ?? 'null') as Remembered | null;
    return r && r.key === key.text ? r : null;
  } catch {
    return null;
  }
}

function remember(key: VerifierKey, c: Checkpoint): void {
  const r: Remembered = { key: key.text, size: c.size.toString(), root: base64Encode(c.root), seen_at: new Date().toISOString() };
  localStorage.setItem(SEEN_STORAGE, JSON.stringify(r));
}

function words(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface DecodedLeaf {
  bytes: Uint8Array;
  fields: Record<string, unknown> | null;
}

function decodeLeaf(entry: LedgerEntry): DecodedLeaf | null {
  try {
    const bytes = base64Decode(entry.leaf, 'the leaf');
    let fields: Record<string, unknown> | null = null;
    try {
      fields = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
    } catch {
      fields = null;
    }
    return { bytes, fields };
  } catch {
    return null;
  }
}

function Outcome({ outcome }: { outcome: Outcome | undefined }) {
  if (!outcome) return <span className="muted">not checked</span>;
  const cls = outcome.ok === true ? 'verified' : outcome.ok === false ? 'failed' : 'pending';
  const label = outcome.ok === true ? 'Verified' : outcome.ok === false ? 'FAILED' : 'Not yet provable';
  return (
    <span className={`outcome ${cls}`}>
      <strong>{label}:</strong> {outcome.message}
    </span>
  );
}

function KeySection({ keyState, onChange }: { keyState: ReturnType<typeof readKey>; onChange: () => void }) {
  const [input, setInput] = useState(() => localStorage.getItem(KEY_STORAGE) ?? '');
  const [error, setError] = useState<string | null>(null);
  const fetchKey = useAction();
  const pin = () => {
    try {
      const key = parseVerifierKey(input);
      localStorage.setItem(KEY_STORAGE, key.text);
      setError(null);
      onChange();
    } catch (e) {
      setError(words(e));
    }
  };
  return (
    <section aria-labelledby="ledger-key" className="card">
      <h2 id="ledger-key">Pinned verifier key</h2>
      {keyState.key ? (
        <p>
          Checking against <Code>{keyState.key.text}</Code>, pinned in this browser.
        </p>
      ) : (
        <p className="notice">
          No key is pinned, so nothing on this page can be verified yet. Paste the ledger’s verifier key
          as your operator gave it to you (the output of <code>GET /api/v1/ledger/key</code>, saved when
          you first trusted this server) and pin it.
        </p>
      )}
      {keyState.error && <ErrorMessage error={keyState.error} title="The pinned key is unusable." />}
      <Form label="Pin a verifier key" onSubmit={pin}>
        <div className="row">
          <Field label="Verifier key" hint="name+keyhash+base64 key, e.g. bulwark.example/ledger+96db2538+AR…">
            {(p) => (
              <input
                {...p}
                className="wide"
                spellCheck={false}
                value={input}
                onChange={(e) => setInput(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="primary">
            Pin key
          </button>
          <button
            type="button"
            onClick={() =>
              void fetchKey.run(async () => {
                setInput((await api.get<string>('/ledger/key')).trim());
              })
            }
          >
            Fill in the server’s key
          </button>
          {keyState.key && (
            <button
              type="button"
              onClick={() => {
                localStorage.removeItem(KEY_STORAGE);
                localStorage.removeItem(SEEN_STORAGE);
                setInput('');
                onChange();
              }}
            >
              Unpin
            </button>
          )}
        </div>
      </Form>
      <p className="hint">
        “Fill in the server’s key” only copies what this server claims; compare it with the key you
        got from the operator by other means before you pin it.
      </p>
      {error && <ErrorMessage error={error} title="That is not a verifier key." />}
      <ErrorMessage error={fetchKey.error} title="The server's key could not be fetched." />
    </section>
  );
}

export function LedgerPage() {
  const me = useIdentity();
  const admin = isPlatformAdmin(me);
  const [keyVersion, setKeyVersion] = useState(0);
  const [keyState, setKeyState] = useState(readKey);
  useEffect(() => setKeyState(readKey()), [keyVersion]);
  const key = keyState.key;

  const note = useLoad(() => api.get<string>('/ledger/checkpoint'), [keyVersion]);
  const [checkpoint, setCheckpoint] = useState<Checkpoint | null>(null);
  const [signature, setSignature] = useState<Outcome | undefined>();
  const [consistency, setConsistency] = useState<Outcome | undefined>();

  // Verify the checkpoint's signature, then its consistency with the last one seen here.
  useEffect(() => {
    setCheckpoint(null);
    setSignature(undefined);
    setConsistency(undefined);
    if (!note.data || !key) return;
    let c: Checkpoint;
    try {
      c = verifyCheckpoint(note.data, key);
    } catch (e) {
      setSignature({ ok: false, message: words(e) });
      return;
    }
    setCheckpoint(c);
    setSignature({ ok: true, message: `signed by ${key.name} over ${c.size} entries` });
    const seen = readRemembered(key);
    if (!seen) {
      remember(key, c);
      setConsistency({ ok: null, message: 'this is the first checkpoint this browser has verified; later ones will be checked against it' });
      return;
    }
    const size1 = BigInt(seen.size);
    const root1 = base64Decode(seen.root);
    if (size1 > c.size) {
      setConsistency({ ok: false, message: `the log shrank: this browser verified ${seen.size} entries on ${new Date(seen.seen_at).toLocaleString()}, the server now shows ${c.size}` });
      return;
    }
    let live = true;
    (async () => {
      try {
        let proof: Uint8Array[] = [];
        if (size1 !== c.size && size1 !== 0n) {
          const p = await api.get<ConsistencyProof>('/ledger/proof/consistency', {
            size1: seen.size,
            size2: c.size.toString(),
          });
          proof = p.proof.map((h) => base64Decode(h, 'a proof hash'));
        }
        verifyConsistency(size1, c.size, proof, root1, c.root);
        if (!live) return;
        remember(key, c);
        setConsistency({
          ok: true,
          message:
            size1 === c.size
              ? `the same ${c.size} entries this browser verified on ${new Date(seen.seen_at).toLocaleString()}`
              : `extends the ${seen.size} entries this browser verified on ${new Date(seen.seen_at).toLocaleString()} without changing them`,
        });
      } catch (e) {
        if (live) setConsistency({ ok: false, message: words(e) });
      }
    })();
    return () => {
      live = false;
    };
  }, [note.data, key]);

  const [starts, setStarts] = useState<number[]>([0]);
  const start = starts[starts.length - 1]!;
  const [entriesVersion, setEntriesVersion] = useState(0);
  const entries = useLoad(
    () => api.get<LedgerEntries>('/ledger/entries', { start, limit: PAGE }),
    [start, entriesVersion],
  );
  const [results, setResults] = useState<Record<number, Outcome>>({});
  const [checking, setChecking] = useState(false);
  useEffect(() => setResults({}), [checkpoint, entries.data]);

  const verifyEntry = useCallback(
    async (entry: LedgerEntry): Promise<Outcome> => {
      if (!checkpoint) return { ok: false, message: 'there is no verified checkpoint to check against' };
      const index = BigInt(entry.index);
      if (index >= checkpoint.size) {
        return { ok: null, message: `the latest checkpoint covers entries 0 to ${checkpoint.size - 1n}; this one comes after it` };
      }
      const leaf = decodeLeaf(entry);
      if (!leaf) return { ok: false, message: 'the server sent a leaf that is not base64' };
      try {
        const p = await api.get<InclusionProof>('/ledger/proof/inclusion', {
          index: entry.index,
          size: checkpoint.size.toString(),
        });
        const proof = p.proof.map((h) => base64Decode(h, 'a proof hash'));
        verifyInclusion(index, checkpoint.size, leafHash(leaf.bytes), proof, checkpoint.root);
        return { ok: true, message: `these exact bytes are entry ${entry.index} of the signed checkpoint of ${checkpoint.size} entries` };
      } catch (e) {
        if (e instanceof VerifyError) return { ok: false, message: e.message };
        return { ok: false, message: `the proof could not be fetched: ${words(e)}` };
      }
    },
    [checkpoint],
  );

  const checkAll = async () => {
    if (!entries.data) return;
    setChecking(true);
    for (const entry of entries.data.items) {
      const outcome = await verifyEntry(entry);
      setResults((r) => ({ ...r, [entry.index]: outcome }));
    }
    setChecking(false);
  };

  const sign = useAction();
  const signNow = () =>
    sign.run(async () => {
      await api.post<string>('/ledger/checkpoint');
      setKeyVersion((v) => v + 1);
    });

  const jumpId = useId();
  const [jump, setJump] = useState('');
  const items = entries.data?.items ?? [];
  const failures = Object.values(results).filter((r) => r.ok === false).length;
  const verified = Object.values(results).filter((r) => r.ok === true).length;

  return (
    <>
      <h1 tabIndex={-1}>Ledger</h1>
      <p className="lead">
        Every change, refusal and sensitive read is an entry in a tamper-evident Merkle log. This page
        checks the log’s signed checkpoint and its proofs in your browser, against a key you pinned, so
        you need not trust the server.
      </p>
      <KeySection keyState={keyState} onChange={() => setKeyVersion((v) => v + 1)} />

      <section aria-labelledby="ledger-checkpoint" className="card">
        <h2 id="ledger-checkpoint">Latest checkpoint</h2>
        <ErrorMessage error={note.error} title="The checkpoint could not be loaded." />
        {note.loading && !note.data ? <Loading what="the checkpoint" /> : null}
        {note.data && (
          <>
            <dl>
              <dt>Signature</dt>
              <dd data-testid="checkpoint-signature">
                {key ? <Outcome outcome={signature} /> : <span className="muted">not checked: pin a key first</span>}
              </dd>
              <dt>Consistency</dt>
              <dd data-testid="checkpoint-consistency">
                {checkpoint ? <Outcome outcome={consistency} /> : <span className="muted">needs a verified checkpoint</span>}
              </dd>
              {checkpoint && (
                <>
                  <dt>Origin</dt>
                  <dd>
                    <Code>{checkpoint.origin}</Code>
                  </dd>
                  <dt>Entries</dt>
                  <dd>{checkpoint.size.toString()}</dd>
                  <dt>Root hash</dt>
                  <dd>
                    <Code>{base64Encode(checkpoint.root)}</Code>
                  </dd>
                </>
              )}
            </dl>
            <details>
              <summary>The signed note, as the server sent it</summary>
              <pre className="note">{note.data}</pre>
            </details>
          </>
        )}
        <div className="row">
          <button type="button" onClick={() => setKeyVersion((v) => v + 1)}>
            Fetch the latest checkpoint
          </button>
          {admin && (
            <button type="button" onClick={() => void signNow()} disabled={sign.busy}>
              Sign a checkpoint now
            </button>
          )}
        </div>
        <ErrorMessage error={sign.error} title="No checkpoint was signed." />
        <p className="hint">
          The server signs a checkpoint every minute while there are new entries; entries after the
          latest checkpoint can be proven once the next one is signed.
        </p>
      </section>

      <section aria-labelledby="ledger-entries">
        <h2 id="ledger-entries">Entries</h2>
        {!admin && (
          <p className="muted">You see the entries about your own actions, your user and your organization.</p>
        )}
        <div className="row">
          <button type="button" className="primary" onClick={() => void checkAll()} disabled={!checkpoint || checking || items.length === 0}>
            Verify every entry on this page
          </button>
          <span role="status" className="verify-summary" data-testid="verify-summary">
            {checking
              ? 'Checking…'
              : Object.keys(results).length > 0
                ? failures > 0
                  ? `${failures} ${failures === 1 ? 'entry' : 'entries'} FAILED verification; ${verified} verified.`
                  : `${verified} verified; none failed.`
                : ''}
          </span>
        </div>
        {!checkpoint && key && signature?.ok === false && (
          <p className="failed-banner" role="alert">
            The checkpoint did not verify against your pinned key, so no entry can be verified.
          </p>
        )}
        <ErrorMessage error={entries.error} title="The entries could not be loaded." />
        {entries.loading && !entries.data ? <Loading what="entries" /> : null}
        {entries.data && items.length === 0 ? (
          <EmptyState title={start === 0 ? 'The ledger has no entries you may see yet.' : 'No entries from here on.'}>
            <p>
              {start === 0
                ? 'Entries appear as soon as anyone changes something or is refused.'
                : 'Go back to the previous page, or jump to an earlier index.'}
            </p>
          </EmptyState>
        ) : entries.data ? (
          <div className="table-scroll">
            <table>
              <caption>
                Ledger entries from index {start}
                <span className="muted"> — shown from the leaf bytes themselves</span>
              </caption>
              <thead>
                <tr>
                  <th scope="col" className="num">Index</th>
                  <th scope="col">Time</th>
                  <th scope="col">Principal</th>
                  <th scope="col">Action</th>
                  <th scope="col">Object</th>
                  <th scope="col">Decision</th>
                  <th scope="col">Proof</th>
                </tr>
              </thead>
              <tbody>
                {items.map((entry) => {
                  const leaf = decodeLeaf(entry);
                  const f = leaf?.fields ?? null;
                  const outcome = results[entry.index];
                  return (
                    <tr key={entry.index} data-index={entry.index} className={outcome?.ok === false ? 'row-failed' : undefined}>
                      <td className="num">{entry.index}</td>
                      <td>
                        <Time value={typeof f?.time === 'string' ? f.time : entry.appended_at} />
                      </td>
                      <td>
                        <Code>{String(f?.principal ?? '?')}</Code>
                      </td>
                      <td>{f ? String(f.action ?? '') : <span className="muted">unreadable leaf</span>}</td>
                      <td>
                        <Code>{String(f?.object ?? '')}</Code>
                      </td>
                      <td>{String(f?.decision ?? '')}</td>
                      <td className="proof-cell">
                        <Outcome outcome={outcome} />{' '}
                        <button
                          type="button"
                          disabled={!checkpoint || checking}
                          onClick={() =>
                            void verifyEntry(entry).then((o) => setResults((r) => ({ ...r, [entry.index]: o })))
                          }
                        >
                          Verify<span className="visually-hidden"> entry {entry.index}</span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
        <nav className="pager" aria-label="Pages of ledger entries">
          <button type="button" onClick={() => setStarts((s) => s.slice(0, -1))} disabled={starts.length === 1}>
            ← Previous page
          </button>
          <button
            type="button"
            onClick={() => entries.data?.next_start != null && setStarts((s) => [...s, entries.data!.next_start!])}
            disabled={entries.data?.next_start == null}
          >
            Next page →
          </button>
          <button
            type="button"
            onClick={() => checkpoint && setStarts((s) => [...s, Math.max(0, Number(checkpoint.size) - PAGE)])}
            disabled={!checkpoint}
          >
            Newest entries
          </button>
          <button type="button" onClick={() => setEntriesVersion((v) => v + 1)}>
            Reload entries
          </button>
        </nav>
        <Form
          label="Go to an entry"
          onSubmit={() => {
            const n = Number(jump);
            if (Number.isInteger(n) && n >= 0) setStarts((s) => [...s, n]);
          }}
        >
          <div className="row">
            <label htmlFor={jumpId}>Start at index</label>
            <input id={jumpId} type="number" min={0} step={1} value={jump} onChange={(e) => setJump(e.target.value)} />
            <button type="submit">Go</button>
          </div>
        </Form>
      </section>
    </>
  );
}
