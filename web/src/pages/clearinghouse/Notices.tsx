// The operator's inbox of patch notices, most urgent first: each names the advisory, the assets
// and packages it affects, the deadline and the version to upgrade to, signed with the program's
// key. The operator acknowledges, then reports what it did; a later inventory verifies it. Above
// it, the escalations: findings whose deadlines passed, escalated to the operator's admins and to
// the clearinghouse, until an admin acknowledges them. Below, the webhooks that receive every
// notice and their deliveries, dead letters first.
import { useEffect, useRef, useState } from 'react';

import { api, enc } from '../../api';
import { Badge, Code, ConfirmButton, CopyButton, EmptyState, ErrorMessage, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import {
  acknowledgeEscalation,
  deadlineText,
  escalationTitle,
  fetchEscalations,
  findingsCount,
  JUSTIFICATIONS,
  noticeNextStep,
  noticeText,
  type Delivery,
  type Escalation,
  type Notice,
  type Webhook,
} from '../../clearinghouse';
import type { Items } from '../../review';
import { Link } from '../../router';
import { useIdentity } from '../../session';
import { Notice as Announcement } from '../review/shared';

interface Affected {
  asset: string;
  package: string;
  version: string;
  upgrade_to: string | null;
}

function RemediationForm({ n, onDone }: { n: Notice; onDone: (message: string) => void }) {
  const [remediation, setRemediation] = useState<'fixed' | 'mitigated' | 'not_affected'>('fixed');
  const [justification, setJustification] = useState(JUSTIFICATIONS[0]!.value);
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction();
  const submit = () =>
    run(async () => {
      const body: Record<string, unknown> = { remediation, note };
      if (remediation === 'not_affected') body.justification = justification;
      await api.post<Notice>(`/clearinghouse/notices/${enc(n.id)}/remediation`, body);
      onDone(`Reported ${remediation.replace('_', ' ')} for ${n.advisory_id}.`);
    });
  return (
    <>
      <Form label={`Report what was done about ${n.advisory_id}`} onSubmit={() => void submit()}>
        <Field label="What was done">
          {(p) => (
            <select {...p} value={remediation} onChange={(e) => setRemediation(e.target.value as typeof remediation)}>
              <option value="fixed">Fixed: upgraded or patched</option>
              <option value="mitigated">Mitigated: a control in place prevents it</option>
              <option value="not_affected">Not affected</option>
            </select>
          )}
        </Field>
        {remediation === 'not_affected' && (
          <Field label="Justification">
            {(p) => (
              <select {...p} value={justification} onChange={(e) => setJustification(e.target.value)}>
                {JUSTIFICATIONS.map((j) => (
                  <option key={j.value} value={j.value}>
                    {j.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label="Note" hint="What you did, for the clearinghouse and the ledger.">
          {(p) => <textarea {...p} value={note} maxLength={4000} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          Report
        </button>
      </Form>
      <ErrorMessage error={error} title="The report was not recorded." />
    </>
  );
}

function NoticeCard({ n, admin, onChange }: { n: Notice; admin: boolean; onChange: (message: string) => void }) {
  const text = noticeText(n.signed_note);
  const affected = (text?.affected as Affected[] | undefined) ?? [];
  const { busy, error, run } = useAction();
  const acknowledge = () =>
    run(async () => {
      await api.post<Notice>(`/clearinghouse/notices/${enc(n.id)}/acknowledge`);
      onChange(`Acknowledged ${n.advisory_id}.`);
    });
  const headingId = `notice-${n.id}`;
  return (
    <article className="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        <Code>{n.advisory_id}</Code> {n.summary}
      </h3>
      <p>
        <Badge value={n.state} /> <span className={n.overdue ? 'danger-text' : undefined}>
          {n.timeline}: {deadlineText(n.deadline)}
        </span>{' '}
        · sent <Time value={n.created_at} /> · {noticeNextStep(n)}
      </p>
      <table>
        <caption className="visually-hidden">What {n.advisory_id} affects</caption>
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col">Package</th>
            <th scope="col">Upgrade to</th>
          </tr>
        </thead>
        <tbody>
          {affected.map((a) => (
            <tr key={`${a.asset}-${a.package}-${a.version}`}>
              <td>{a.asset}</td>
              <td>
                {a.package} {a.version}
              </td>
              <td>{a.upgrade_to ?? 'no fixed version is known'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {n.remediation && (
        <p>
          Reported {n.remediation.replace('_', ' ')} <Time value={n.remediated_at} />
          {n.remediation_note && <>: {n.remediation_note}</>}
        </p>
      )}
      <details>
        <summary>The signed notice</summary>
        <p className="muted">
          Signed with the program’s key. Check it offline: <Code>bulwark clearinghouse verify-notice FILE --key KEY</Code>, with
          the key from <Code>/api/v1/ledger/key</Code>.
        </p>
        <pre className="signed-note">{n.signed_note}</pre>
        <CopyButton text={n.signed_note} label="Copy the signed notice" />
        <LedgerProof n={n} />
      </details>
      {admin && n.state === 'sent' && (
        <button type="button" onClick={() => void acknowledge()} disabled={busy}>
          Acknowledge<span className="visually-hidden"> {n.advisory_id}</span>
        </button>
      )}
      {admin && (n.state === 'sent' || n.state === 'acknowledged') && (
        <details>
          <summary>Report what was done</summary>
          <RemediationForm n={n} onDone={onChange} />
        </details>
      )}
      <ErrorMessage error={error} title="The notice was not acknowledged." />
    </article>
  );
}

// The notice's place in its fan-out's ledger entry, fetched when asked for.
function LedgerProof({ n }: { n: Notice }) {
  const [proof, setProof] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  // The button goes when the proof comes: focus moves to the proof, not back to the page's top.
  const shown = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (proof !== null) shown.current?.focus();
  }, [proof]);
  const show = () =>
    run(async () => {
      const inclusion = await api.get<Record<string, unknown>>(`/clearinghouse/notices/${enc(n.id)}/inclusion`);
      setProof(JSON.stringify(inclusion));
    });
  if (proof === null) {
    return (
      <>
        <button type="button" onClick={() => void show()} disabled={busy}>
          Show its ledger proof<span className="visually-hidden"> for {n.advisory_id}</span>
        </button>
        <ErrorMessage error={error} title="The ledger proof could not be read." />
      </>
    );
  }
  return (
    <div ref={shown} tabIndex={-1}>
      <p className="muted">
        The notice is a leaf of the tree whose root the ledger entry <Code>clearinghouse.notices.issue</Code> for {n.advisory_id}{' '}
        names. Check it with <Code>bulwark clearinghouse verify-notice FILE --key KEY --inclusion PROOF</Code>.
      </p>
      <pre className="signed-note">{proof}</pre>
      <CopyButton text={proof} label="Copy the ledger proof" />
    </div>
  );
}

function EscalationCard({ e, admin, onChange }: { e: Escalation; admin: boolean; onChange: (message: string) => void }) {
  const { busy, error, run } = useAction();
  const acknowledge = () =>
    run(async () => {
      await acknowledgeEscalation(e.id);
      onChange(`Acknowledged the escalation of ${findingsCount(e.findings)}.`);
    });
  const headingId = `escalation-${e.id}`;
  const when = new Date(e.created_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <article className="card escalation" aria-labelledby={headingId}>
      <h3 id={headingId}>{escalationTitle(e)}</h3>
      <p>
        Escalated to your admins and to the clearinghouse <Time value={e.created_at} />; the earliest deadline was{' '}
        <Time value={e.earliest_deadline} />.
        {e.acknowledged_at && (
          <>
            {' '}
            Acknowledged <Time value={e.acknowledged_at} />.
          </>
        )}
      </p>
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">The findings of the escalation of {when}</caption>
          <thead>
            <tr>
              <th scope="col">Asset</th>
              <th scope="col">Package</th>
              <th scope="col">Advisory</th>
              <th scope="col">Deadline</th>
            </tr>
          </thead>
          <tbody>
            {e.items.map((f) => (
              <tr key={f.finding_id}>
                <td>{f.asset_name}</td>
                <td>
                  <Link to={`/clearinghouse/findings/${f.finding_id}`}>
                    {f.package} {f.version}
                  </Link>
                </td>
                <td>
                  <Code>{f.advisory_id}</Code>
                </td>
                <td className="danger-text">
                  {f.timeline}: {deadlineText(f.deadline)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {e.items.length < e.findings && (
        <p className="muted">And {findingsCount(e.findings - e.items.length)} more: the Findings page lists every one.</p>
      )}
      {admin && !e.acknowledged_at && (
        <button type="button" onClick={() => void acknowledge()} disabled={busy}>
          Acknowledge<span className="visually-hidden"> the escalation of {when}</span>
        </button>
      )}
      <ErrorMessage error={error} title="The escalation was not acknowledged." />
    </article>
  );
}

// The operator's escalations: the ones waiting for an admin first, the acknowledged ones folded.
function Escalations({ orgId, admin, onChange }: { orgId: string; admin: boolean; onChange: (message: string) => void }) {
  const list = useLoad(() => fetchEscalations(orgId), [orgId]);
  const items = list.data ?? [];
  const waiting = items.filter((e) => !e.acknowledged_at);
  const acknowledged = items.filter((e) => e.acknowledged_at);
  const changed = (message: string) => {
    onChange(message);
    list.reload();
  };
  if (!list.error && items.length === 0) return null;
  return (
    <section aria-labelledby="escalations">
      <h2 id="escalations">Escalations{waiting.length > 0 ? ` to acknowledge (${waiting.length})` : ''}</h2>
      <ErrorMessage error={list.error} title="The escalations could not be loaded." />
      {waiting.length > 0 && (
        <p>
          These findings were still active when their BOD 26-04 deadlines passed: the clearinghouse was told.
          {admin ? ' Acknowledge each escalation once you have seen it, then fix or decide the findings.' : ''}
        </p>
      )}
      {waiting.map((e) => (
        <EscalationCard key={e.id} e={e} admin={admin} onChange={changed} />
      ))}
      {acknowledged.length > 0 && (
        <details>
          <summary>Acknowledged escalations ({acknowledged.length})</summary>
          {acknowledged.map((e) => (
            <EscalationCard key={e.id} e={e} admin={admin} onChange={changed} />
          ))}
        </details>
      )}
    </section>
  );
}

function Webhooks({ orgId, admin }: { orgId: string; admin: boolean }) {
  const hooks = useLoad(() => api.get<Items<Webhook>>(`/clearinghouse/operators/${enc(orgId)}/webhooks`), [orgId]);
  const deliveries = useLoad(() => api.get<Items<Delivery>>(`/clearinghouse/operators/${enc(orgId)}/deliveries`), [orgId]);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const add = () =>
    run(async () => {
      const hook = await api.post<Webhook>(`/clearinghouse/operators/${enc(orgId)}/webhooks`, { url });
      setSecret(hook.secret ?? null);
      setUrl('');
      hooks.reload();
    });
  const disable = (id: string) =>
    run(async () => {
      await api.post<Webhook>(`/clearinghouse/webhooks/${enc(id)}/disable`);
      hooks.reload();
    });
  const dead = deliveries.data?.items.filter((d) => d.state === 'dead') ?? [];
  return (
    <section aria-labelledby="webhooks">
      <h2 id="webhooks">Webhooks</h2>
      <p>
        Every notice is also POSTed to these addresses, signed: <Code>X-Bulwark-Signature: sha256=…</Code> is the HMAC-SHA256 of
        “timestamp.body” under the webhook’s secret. A failed delivery is retried with growing waits; after six attempts it is a
        dead letter, listed below.
      </p>
      <ErrorMessage error={hooks.error ?? error} title="The webhooks could not be loaded or changed." />
      {hooks.data && hooks.data.items.length === 0 ? <p className="muted">No webhook.</p> : null}
      {hooks.data && hooks.data.items.length > 0 && (
        <ul>
          {hooks.data.items.map((h) => (
            <li key={h.id}>
              <Code>{h.url}</Code> {h.disabled_at ? <Badge value="disabled" /> : <Badge value="active" />}{' '}
              {admin && !h.disabled_at && (
                <ConfirmButton action="Disable" what={`the webhook ${h.url}`} onConfirm={() => void disable(h.id)} />
              )}
            </li>
          ))}
        </ul>
      )}
      {secret && (
        <p className="success" role="status">
          The webhook’s secret, shown once: <Code>{secret}</Code> <CopyButton text={secret} label="Copy the secret" />
        </p>
      )}
      {admin && (
        <Form label="Add a webhook" onSubmit={() => void add()}>
          <Field label="Webhook address" hint="https://… on your side; it receives every notice as JSON.">
            {(p) => <input {...p} type="url" value={url} required onChange={(e) => setUrl(e.target.value)} />}
          </Field>
          <button type="submit" disabled={busy || !url}>
            Add the webhook
          </button>
        </Form>
      )}
      <h3>Dead letters</h3>
      {deliveries.loading && !deliveries.data ? <Loading what="deliveries" /> : null}
      {deliveries.data && dead.length === 0 ? <p className="muted">None: every delivery arrived or is still being tried.</p> : null}
      {dead.length > 0 && (
        <table>
          <caption>Deliveries that failed every attempt</caption>
          <thead>
            <tr>
              <th scope="col">Advisory</th>
              <th scope="col">Webhook</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Last tried</th>
            </tr>
          </thead>
          <tbody>
            {dead.map((d) => (
              <tr key={d.id}>
                <td>
                  <Code>{d.advisory_id}</Code>
                </td>
                <td>
                  <Code>{d.url}</Code>
                </td>
                <td>{d.attempts}</td>
                <td>{d.last_error}</td>
                <td>
                  <Time value={d.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function NoticesPage() {
  const identity = useIdentity();
  const orgId = identity.organization.id;
  const admin = identity.grants?.some((g) => g.object === orgId && g.relation === 'admin') ?? false;
  const list = useLoad(() => api.get<Items<Notice>>(`/clearinghouse/operators/${enc(orgId)}/notices`), [orgId]);
  const [message, setMessage] = useState<string | null>(null);
  const items = list.data?.items ?? [];
  const open = items.filter((n) => n.state === 'sent' || n.state === 'acknowledged');
  const done = items.filter((n) => n.state === 'remediated' || n.state === 'verified');
  const onChange = (m: string) => {
    setMessage(m);
    list.reload();
  };
  return (
    <>
      <h1 tabIndex={-1}>Notices</h1>
      <p className="lead">
        What each new advisory asks of {identity.organization.name}, most urgent first. Acknowledge a notice, then report what you did;
        the next inventory of the asset without the affected versions verifies the fix.
      </p>
      <Announcement text={message} />
      <Escalations orgId={orgId} admin={admin} onChange={setMessage} />
      <ErrorMessage error={list.error} title="The notices could not be loaded." />
      {list.loading && !list.data ? <Loading what="notices" /> : null}
      {list.data && items.length === 0 ? (
        <EmptyState title="No notice.">
          <p>A notice arrives when a new advisory affects a package of your assets’ latest inventories.</p>
        </EmptyState>
      ) : null}
      {open.length > 0 && (
        <section aria-labelledby="notices-open">
          <h2 id="notices-open">To act on ({open.length})</h2>
          {open.slice(0, 50).map((n) => (
            <NoticeCard key={n.id} n={n} admin={admin} onChange={onChange} />
          ))}
          {open.length > 50 && <p className="muted">And {open.length - 50} less urgent ones.</p>}
        </section>
      )}
      {done.length > 0 && (
        <section aria-labelledby="notices-done">
          <h2 id="notices-done">Dealt with ({done.length})</h2>
          {done.slice(0, 20).map((n) => (
            <NoticeCard key={n.id} n={n} admin={admin} onChange={onChange} />
          ))}
        </section>
      )}
      <Webhooks orgId={orgId} admin={admin} />
    </>
  );
}
