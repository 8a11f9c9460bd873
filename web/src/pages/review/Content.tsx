// Retained content, for the lab and the program office: where the lab chose so for a window, the
// gateway keeps the content of its calls, encrypted. Reading it takes two people: one asks,
// giving the reason; a second person of either party approves (never the one who asked); the
// asker then reads, call by call, for a day. Each read is a ledger entry, and many reads in a
// day raise an alert. The rules are in docs/review.md, "Retained content".
import { useEffect, useRef, useState } from 'react';

import { api, enc } from '../../api';
import { Badge, Code, ConfirmButton, EmptyState, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import {
  contentReadActions,
  contentReadStateAt,
  type AccessWindow,
  type ContentRead,
  type Items,
  type PartnerGrant,
  type RetainedCall,
  type RetainedContent,
  streamedText,
} from '../../review';
import { Link } from '../../router';
import { useIdentity } from '../../session';
import { Notice, ReviewError, useNow, useVersions, versionText } from './shared';

export function ContentPage() {
  const me = useIdentity();
  const reads = useLoad(() => api.get<Items<ContentRead>>('/review/content-reads'), []);
  const windows = useLoad(() => api.get<Items<AccessWindow>>('/review/windows'), []);
  const versions = useVersions(true);
  const now = useNow();
  const act = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const [opened, setOpened] = useState<string | null>(null);
  const items = reads.data?.items ?? [];
  const openedRead = items.find((r) => r.id === opened);
  // The model version a request is about: by its model's name and version, also for those who
  // cannot list the lab's versions (the gateway's name for it, "Atlas/1.0", reads "Atlas 1.0").
  const readLabel = (r: ContentRead) => {
    const w = windows.data?.items.find((x) => x.id === r.window_id);
    const info = w ? versions.data?.get(w.version_id) : undefined;
    if (info) return `${info.model.name} ${info.version.version}`;
    const slash = r.gateway_model.lastIndexOf('/');
    return slash < 0 ? r.gateway_model : `${r.gateway_model.slice(0, slash)} ${r.gateway_model.slice(slash + 1)}`;
  };

  const decide = (r: ContentRead, verb: 'approve' | 'deny' | 'revoke') =>
    act.run(async () => {
      const done = await api.post<ContentRead>(`/review/content-reads/${enc(r.id)}/${verb}`, {});
      setNotice(
        verb === 'approve'
          ? `Approved the request to read ${readLabel(r)}’s calls: its asker may read them until ${new Date(done.expires_at ?? '').toLocaleString()}.`
          : verb === 'deny'
            ? `Denied the request to read ${readLabel(r)}’s calls.`
            : `Ended the request to read ${readLabel(r)}’s calls; nothing more can be read under it.`,
      );
      if (opened === r.id && verb === 'revoke') setOpened(null);
      reads.reload();
    });

  return (
    <>
      <h1 tabIndex={-1}>Retained content</h1>
      <p className="lead">
        Where the lab chose so for a window, the gateway keeps the content of each call, encrypted, for the days the
        lab set. Reading it takes two people: one asks and says why; a second person, of the lab’s administrators or
        the program office, approves. Only the one who asked may then read, for 24 hours, and every call read is
        recorded in the ledger. Reading 50 calls or more in a day raises an alert.
      </p>
      <Notice text={notice} />
      <ReviewError error={act.error} title="That did not happen." />
      <ReviewError error={reads.error} title="The requests could not be loaded." />
      {reads.loading && !reads.data ? <Loading what="requests to read" /> : null}
      {reads.data && items.length === 0 ? (
        <EmptyState title="No one asked to read retained content.">
          <p>Ask below; a second person must approve before anything can be read.</p>
        </EmptyState>
      ) : reads.data ? (
        <div className="table-scroll">
          <table>
            <caption>Requests to read retained content, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Asked</th>
                <th scope="col">Window and calls</th>
                <th scope="col">Reason</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => {
                const state = contentReadStateAt(r, now);
                const can = contentReadActions(r, me.user.id, now);
                const what = `the request to read ${readLabel(r)}’s calls asked by ${r.requested_by === me.user.id ? 'you' : r.requested_by_name || r.requested_by}`;
                return (
                  <tr key={r.id}>
                    <td>
                      <Time value={r.requested_at} />
                      <br />
                      <span className="muted">by</span> <Person id={r.requested_by} name={r.requested_by_name} me={me.user.id} />
                    </td>
                    <td>
                      <Link to={`/review/windows/${r.window_id}`}>{readLabel(r)}</Link>
                      <br />
                      {r.partner_org_name ? `${r.partner_org_name}’s calls` : 'every partner’s calls'}
                    </td>
                    <td className="detail">
                      {r.reason}
                      {r.decision_note && (
                        <>
                          <br />
                          <span className="muted">Note: “{r.decision_note}”</span>
                        </>
                      )}
                    </td>
                    <td>
                      <Badge value={state} />
                      {state === 'approved' && r.expires_at && (
                        <>
                          <br />
                          <span className="muted">until</span> <Time value={r.expires_at} />
                        </>
                      )}
                      {r.decided_by && (
                        <>
                          <br />
                          <span className="muted">{r.state === 'denied' ? 'denied by' : 'approved by'}</span>{' '}
                          <Person id={r.decided_by} name={r.decided_by_name ?? ''} me={me.user.id} />
                        </>
                      )}
                      <br />
                      <span className="muted">
                        {r.calls_read} {r.calls_read === 1 ? 'call' : 'calls'} read
                      </span>
                    </td>
                    <td className="actions">
                      {can.read && (
                        <button type="button" onClick={() => setOpened(r.id)} aria-pressed={opened === r.id}>
                          Read the calls<span className="visually-hidden"> under {what}</span>
                        </button>
                      )}
                      {can.decide && (
                        <>
                          <button type="button" onClick={() => void decide(r, 'approve')} disabled={act.busy}>
                            Approve<span className="visually-hidden"> {what}</span>
                          </button>{' '}
                          <ConfirmButton action="Deny" what={what} onConfirm={() => void decide(r, 'deny')} disabled={act.busy} />
                        </>
                      )}
                      {!can.decide && state === 'requested' && r.requested_by === me.user.id && (
                        <span className="muted">Waits for a second person. </span>
                      )}
                      {can.revoke && (
                        <ConfirmButton action="End" what={what} onConfirm={() => void decide(r, 'revoke')} disabled={act.busy} />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {openedRead && (
        <RetainedCalls key={openedRead.id} readId={openedRead.id} label={readLabel(openedRead)} onRead={() => reads.reload()} />
      )}
      <AskToRead
        windows={(windows.data?.items ?? []).filter((w) => w.retain_content || w.holds_content)}
        label={(w) => versionText(w.version_id, versions.data)}
        onAsked={(r) => {
          setNotice(`Asked to read ${readLabel(r)}’s calls. A second person must approve before you can read them.`);
          reads.reload();
        }}
      />
    </>
  );
}

function AskToRead({
  windows,
  label,
  onAsked,
}: {
  windows: AccessWindow[];
  label: (w: AccessWindow) => string;
  onAsked: (r: ContentRead) => void;
}) {
  const [windowId, setWindowId] = useState('');
  const [partner, setPartner] = useState('');
  const [reason, setReason] = useState('');
  const { busy, error, run } = useAction();
  const chosen = windowId || windows[0]?.id || '';
  const partners = useLoad(
    () =>
      chosen
        ? api.get<Items<PartnerGrant>>(`/review/windows/${enc(chosen)}/partners`)
        : Promise.resolve({ items: [] as PartnerGrant[] }),
    [chosen],
  );
  const ask = () =>
    run(async () => {
      if (reason.trim().length < 10) throw new Error('Say why you need to read the content, in a sentence.');
      const r = await api.post<ContentRead>('/review/content-reads', {
        window_id: chosen,
        reason: reason.trim(),
        ...(partner ? { partner_org_id: partner } : {}),
      });
      setReason('');
      onAsked(r);
    });
  const orgs = [...new Map((partners.data?.items ?? []).map((g) => [g.partner_org_id, g.partner_org_name])).entries()];
  return (
    <section aria-labelledby="ask-to-read">
      <h2 id="ask-to-read">Ask to read</h2>
      {windows.length === 0 ? (
        <p className="muted">No window you can see keeps the content of its calls.</p>
      ) : (
        <>
          <Form label="Ask to read retained content" onSubmit={() => void ask()}>
            <div className="row">
              <Field label="Window">
                {(p) => (
                  <select {...p} value={chosen} onChange={(e) => setWindowId(e.target.value)}>
                    {windows.map((w) => (
                      <option key={w.id} value={w.id}>
                        {label(w)} ({w.id})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Calls of">
                {(p) => (
                  <select {...p} value={partner} onChange={(e) => setPartner(e.target.value)}>
                    <option value="">every partner</option>
                    {orgs.map(([id, name]) => (
                      <option key={id} value={id}>
                        {name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            <Field label="Reason" hint="Kept with the request and in the ledger; the second person decides on it.">
              {(p) => (
                <textarea {...p} rows={2} maxLength={4000} value={reason} onChange={(e) => setReason(e.target.value)} />
              )}
            </Field>
            <div className="row">
              <button type="submit" disabled={busy || !chosen}>
                Ask to read
              </button>
            </div>
          </Form>
          <ReviewError error={error} title="The request was not made." />
        </>
      )}
    </section>
  );
}

function RetainedCalls({ readId, label, onRead }: { readId: string; label: string; onRead: () => void }) {
  const calls = useLoad(() => api.get<Items<RetainedCall>>(`/review/content-reads/${enc(readId)}/calls`), [readId]);
  const [content, setContent] = useState<RetainedContent | null>(null);
  const read = useAction();
  // The call read takes the focus: its Read button is disabled while it loads, which would
  // leave a keyboard user nowhere.
  const contentHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => contentHeading.current?.focus(), [content]);
  const open = (c: RetainedCall) =>
    read.run(async () => {
      setContent(await api.get<RetainedContent>(`/review/content-reads/${enc(readId)}/calls/${enc(c.id)}`));
      onRead();
    });
  const items = calls.data?.items ?? [];
  return (
    <section aria-labelledby="retained-calls">
      <h2 id="retained-calls">Calls kept for {label}</h2>
      <p className="muted">Opening a call reads its content; each read is recorded in the ledger with your name.</p>
      <ReviewError error={calls.error} title="The calls could not be loaded." />
      <ReviewError error={read.error} title="The call could not be read." />
      {calls.loading && !calls.data ? <Loading what="the calls" /> : null}
      {calls.data && items.length === 0 ? (
        <EmptyState title="No call is kept under this request.">
          <p>Calls are kept from the moment the lab chose retention, until the days it set have passed.</p>
        </EmptyState>
      ) : calls.data ? (
        <div className="table-scroll">
          <table>
            <caption>Calls kept, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Made</th>
                <th scope="col">Partner and key</th>
                <th scope="col">Answer</th>
                <th scope="col">Kept until</th>
                <th scope="col">Content</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Time value={c.created_at} />
                  </td>
                  <td>
                    {c.org_name}
                    <br />
                    key “{c.key_name}” <Code>{c.key_id}</Code>
                  </td>
                  <td>
                    {c.status} {c.streamed ? 'streamed' : ''}
                    <br />
                    <span className="muted">
                      {c.request_bytes.toLocaleString()} B asked, {c.response_bytes.toLocaleString()} B answered
                      {c.truncated ? '; cut at 1 MiB' : ''}
                    </span>
                  </td>
                  <td>
                    <Time value={c.purge_at} />
                  </td>
                  <td>
                    <button type="button" onClick={() => void open(c)} disabled={read.busy}>
                      Read<span className="visually-hidden"> the call of {c.org_name} made {new Date(c.created_at).toLocaleString()}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {content && (
        <article className="card" aria-labelledby="retained-content">
          <h3 id="retained-content" tabIndex={-1} ref={contentHeading}>
            Call of {content.org_name}, <Time value={content.created_at} />
          </h3>
          <h4 id="retained-request">What the partner sent</h4>
          {/* Focusable, so that a keyboard scrolls a long body. */}
          <pre className="content" tabIndex={0} aria-labelledby="retained-request">
            {pretty(content.request)}
          </pre>
          <h4 id="retained-answer">What the model answered{content.streamed ? ' (the text of the stream)' : ''}</h4>
          <pre className="content" tabIndex={0} aria-labelledby="retained-answer">
            {content.streamed ? streamedText(content.response) : pretty(content.response)}
          </pre>
          <details>
            <summary>The answer as the partner got it</summary>
            <pre className="content" tabIndex={0} aria-label="The answer as the partner got it">
              {content.response}
            </pre>
          </details>
          <p className="muted">
            SHA-256 of the request <Code>{content.request_sha256}</Code>, of the answer <Code>{content.response_sha256}</Code>:
            the same as in the call’s ledger entry.
          </p>
        </article>
      )}
    </section>
  );
}

// JSON indented when it is JSON; the text as it is otherwise.
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// Who asked or decided: "you", else their name with their user id as a hint.
function Person({ id, name, me }: { id: string; name: string; me: string }) {
  if (id === me) return <>you</>;
  if (!name) return <Code>{id}</Code>;
  return <span title={id}>{name}</span>;
}
