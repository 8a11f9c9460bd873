// Defensive access: an agency, operator, partner or clearinghouse asks to use a released model
// for defence, for at most 365 days; the program office and the model's lab each approve, and
// any of the three revokes it, which stops its gateway keys at once.
import { Fragment, useEffect, useRef, useState } from 'react';

import { api, ApiError, enc } from '../../api';
import { Badge, Code, EmptyState, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import {
  accessExpiry,
  canDecide,
  DEFAULT_DEFENSIVE_DAYS,
  DEFAULT_QUOTA,
  defensiveStateAt,
  defensiveWaitsText,
  MAX_DEFENSIVE_DAYS,
  otherParty,
  partyName,
  quotaText,
  reviewRole,
  toDateInput,
  type DefensiveAccess,
  type DefensiveModel,
  type Items,
  type Party,
} from '../../review';
import { Link } from '../../router';
import { useIdentity } from '../../session';
import { Notice, QuotaFields, ReviewError, useNow } from './shared';

const DAY = 86_400_000;

type Closing = 'deny' | 'revoke';

// A deny or revoke waiting for its confirmation: which request, and what it does.
interface Asking {
  id: string;
  action: Closing;
  label: string; // "Community Bank’s request for Atlas/0.9"
  live: boolean; // the access is active: its keys work
}

// The confirmation of a deny or revoke, in a row under the request's: what it does, and an
// optional note kept with the request for everyone who sees it.
function ConfirmClose({
  asking,
  onConfirm,
  onCancel,
}: {
  asking: Asking;
  onConfirm: (note: string) => void;
  onCancel: () => void;
}) {
  const [note, setNote] = useState('');
  const noteRef = useRef<HTMLTextAreaElement>(null);
  useEffect(() => noteRef.current?.focus(), []);
  const { id, action, label, live } = asking;
  const verb = action === 'deny' ? 'Deny' : 'Revoke';
  return (
    <div
      id={`confirm-${id}`}
      className="confirm-panel"
      role="group"
      aria-labelledby={`confirm-${id}-question`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <p id={`confirm-${id}-question`}>
        <strong>
          {verb} {label}?
        </strong>{' '}
        {action === 'deny'
          ? 'A denied request cannot be approved afterwards; the organization may ask again.'
          : live
            ? 'Access ends at once: every gateway key under it stops working immediately. Revoked access cannot be restored; ask again for new access.'
            : 'The request will not become active; a new one may be made.'}
      </p>
      <Field
        label="Note (optional)"
        hint="Kept with the request: the requester, the lab and the program office see it."
      >
        {(p) => (
          <textarea
            {...p}
            ref={noteRef}
            rows={2}
            maxLength={4000}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        )}
      </Field>
      <span className="actions">
        <button type="button" className="danger" onClick={() => onConfirm(note.trim())}>
          {action === 'deny' ? 'Deny now' : live ? 'Revoke now: keys stop at once' : 'Revoke now'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </span>
    </div>
  );
}

// When each party approved a request.
function Approvals({ d }: { d: DefensiveAccess }) {
  const line = (party: Party, at: string | null) => (
    <div className="approval">
      <span className="muted">{party === 'lab' ? 'Lab' : 'Program office'}</span>
      <br />
      {at ? <Time value={at} /> : 'not yet'}
    </div>
  );
  return (
    <>
      {line('lab', d.lab_approved_at)}
      {line('program_office', d.office_approved_at)}
    </>
  );
}

// The requests the caller sees. `party` is the lab or the program office deciding on them;
// without it, the caller's organization made them.
function RequestsTable({
  caption,
  items,
  party,
  now,
  onChanged,
}: {
  caption: string;
  items: DefensiveAccess[];
  party?: Party;
  now: number;
  onChanged: (notice: string) => void;
}) {
  const change = useAction();
  const [asking, setAsking] = useState<Asking | null>(null);
  // The button that opened the confirmation, for the focus to return to when it is cancelled.
  const opener = useRef<HTMLButtonElement | null>(null);
  const cancel = () => {
    setAsking(null);
    opener.current?.focus();
  };
  // Deny and revoke ask first: their button opens the confirmation under the row, or closes it.
  const askButton = (next: Asking) => {
    const open = asking?.id === next.id && asking.action === next.action;
    return (
      <button
        type="button"
        className={next.action === 'revoke' ? 'danger' : undefined}
        aria-expanded={open}
        aria-controls={open ? `confirm-${next.id}` : undefined}
        onClick={(e) => {
          opener.current = e.currentTarget;
          setAsking(open ? null : next);
        }}
        disabled={change.busy}
      >
        {next.action === 'deny' ? 'Deny' : 'Revoke'}
        <span className="visually-hidden"> {next.label}</span>
      </button>
    );
  };
  const subject = (d: DefensiveAccess) =>
    party ? `${d.org_name}’s request for ${d.gateway_model}` : `your request for ${d.gateway_model}`;

  const approve = (d: DefensiveAccess) =>
    change.run(async () => {
      const r = await api.post<DefensiveAccess>(`/review/defensive-access/${enc(d.id)}/approve`);
      onChanged(
        r.state === 'active'
          ? `Approved: ${r.org_name} has defensive access to ${r.gateway_model} until ` +
              `${new Date(r.expires_at).toLocaleString()}, and its people may issue gateway keys under it.`
          : `Approved for ${partyName(party!)}. The request now waits for ${partyName(otherParty(party!))}.`,
      );
    });
  const close = (d: DefensiveAccess, action: Closing, note: string) =>
    change.run(async () => {
      setAsking(null);
      const live = defensiveStateAt(d, now) === 'active';
      await api.post<DefensiveAccess>(`/review/defensive-access/${enc(d.id)}/${action}`, note ? { note } : {});
      onChanged(
        action === 'deny'
          ? `Denied ${subject(d)}.`
          : live
            ? `Revoked ${party ? `${d.org_name}’s` : 'your organization’s'} defensive access to ${d.gateway_model}; ` +
                'its gateway keys stopped working at once.'
            : `Revoked ${subject(d)}.`,
      );
    });

  return (
    <>
      <ReviewError error={change.error} title="The request was not changed." about="defensive" />
      <div className="table-scroll">
        <table>
          <caption>{caption}</caption>
          <thead>
            <tr>
              {party && <th scope="col">Organization</th>}
              <th scope="col">Model</th>
              <th scope="col">State</th>
              <th scope="col">Purpose</th>
              <th scope="col">Quota per key</th>
              <th scope="col">Approved</th>
              <th scope="col">Access until</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => {
              const state = defensiveStateAt(d, now);
              const waits = defensiveWaitsText(d, now);
              const label = subject(d);
              const decide = party ? canDecide(d, party, now) : false;
              const revocable = party ? state === 'active' : state === 'active' || state === 'requested';
              const revokeLabel =
                state !== 'active'
                  ? label
                  : party
                    ? `${d.org_name}’s access to ${d.gateway_model}`
                    : `your organization’s access to ${d.gateway_model}`;
              return (
                <Fragment key={d.id}>
                  <tr>
                    {party && (
                      <td>
                        {d.org_name}
                        <br />
                        <Code>{d.org_id}</Code>
                      </td>
                    )}
                    <td>
                      <code className="id model">{d.gateway_model}</code>
                      <br />
                      <span className="muted">{d.lab_org_name}</span>
                    </td>
                    <td className="state">
                      <Badge value={state} />
                      {waits && <span className="muted"> {waits}</span>}
                      {d.closed_at && (
                        <>
                          <br />
                          since <Time value={d.closed_at} />
                        </>
                      )}
                      {d.close_note && (
                        <>
                          <br />
                          Note: “{d.close_note}”
                        </>
                      )}
                    </td>
                    <td className="purpose">{d.purpose}</td>
                    <td>{quotaText(d.quota)}</td>
                    <td>
                      <Approvals d={d} />
                    </td>
                    <td>
                      <Time value={d.expires_at} />
                    </td>
                    <td>
                      <span className="actions">
                        {!party && state === 'active' && (
                          <Link to={`/review/keys?grant=${d.id}`}>
                            Issue a key
                            <span className="visually-hidden"> under defensive access to {d.gateway_model}</span>
                          </Link>
                        )}
                        {decide && (
                          <>
                            <button
                              type="button"
                              className="primary"
                              onClick={() => void approve(d)}
                              disabled={change.busy}
                            >
                              Approve<span className="visually-hidden"> {label}</span>
                            </button>
                            {askButton({ id: d.id, action: 'deny', label, live: false })}
                          </>
                        )}
                        {revocable &&
                          askButton({ id: d.id, action: 'revoke', label: revokeLabel, live: state === 'active' })}
                        {!decide && !revocable && (
                          <span className="muted">
                            {state === 'requested' && party ? 'your side approved' : 'none'}
                          </span>
                        )}
                      </span>
                    </td>
                  </tr>
                  {asking?.id === d.id && (
                    <tr className="confirm-row">
                      <td colSpan={party ? 8 : 7}>
                        <ConfirmClose
                          key={asking.action}
                          asking={asking}
                          onConfirm={(note) => void close(d, asking.action, note)}
                          onCancel={cancel}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

// The requester's form: a released model, what for, until when, and each key's quota.
function RequestForm({
  models,
  mine,
  now,
  onRequested,
}: {
  models: DefensiveModel[];
  mine: DefensiveAccess[];
  now: number;
  onRequested: (d: DefensiveAccess) => void;
}) {
  const [versionId, setVersionId] = useState('');
  const [purpose, setPurpose] = useState('');
  const [until, setUntil] = useState(() => toDateInput(new Date(Date.now() + DEFAULT_DEFENSIVE_DAYS * DAY)));
  const [quota, setQuota] = useState(DEFAULT_QUOTA);
  const { busy, error, run } = useAction();
  const chosen = versionId || models[0]?.version_id || '';
  const latest = new Date(now + MAX_DEFENSIVE_DAYS * DAY).toLocaleDateString();

  const request = () =>
    run(async () => {
      const expiresAt = accessExpiry(until, new Date());
      if (!expiresAt) throw new Error('Choose the day the access ends.');
      const d = await api.post<DefensiveAccess>('/review/defensive-access', {
        version_id: chosen,
        purpose: purpose.trim(),
        expires_at: expiresAt,
        ...quota,
      });
      setPurpose('');
      onRequested(d);
    });

  // What the organization already has of each model, for the choices.
  const held = (m: DefensiveModel) => {
    const d = mine.find(
      (x) => x.version_id === m.version_id && ['requested', 'active'].includes(defensiveStateAt(x, now)),
    );
    return d ? ` — ${defensiveStateAt(d, now)}` : '';
  };

  if (models.length === 0) {
    return (
      <EmptyState title="No released model is open to defensive use yet.">
        <p>When a lab releases a model version, it can be asked for here.</p>
      </EmptyState>
    );
  }
  return (
    <>
      <Form label="Request defensive access" onSubmit={() => void request()}>
        <div className="row">
          <Field label="Model" hint="A released version, as the gateway names it, and its lab.">
            {(p) => (
              <select {...p} value={chosen} onChange={(e) => setVersionId(e.target.value)}>
                {models.map((m) => (
                  <option key={m.version_id} value={m.version_id}>
                    {m.gateway_model} ({m.lab_org_name}){m.covered && !m.released_at ? ', designated covered, not yet released' : ''}
                    {held(m)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Access until"
            hint={`Default: ${DEFAULT_DEFENSIVE_DAYS} days. At most ${MAX_DEFENSIVE_DAYS}: ${latest} at the latest.`}
          >
            {(p) => <input {...p} type="date" required value={until} onChange={(e) => setUntil(e.target.value)} />}
          </Field>
        </div>
        <div className="row">
          <Field
            label="Purpose"
            hint="What your organization uses the model for. The lab and the program office read it to decide."
          >
            {(p) => (
              <textarea
                {...p}
                rows={3}
                required
                maxLength={4000}
                value={purpose}
                onChange={(e) => setPurpose(e.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="row">
          <QuotaFields quota={quota} onChange={setQuota} />
          <button type="submit" className="primary" disabled={busy || !chosen}>
            Request access
          </button>
        </div>
      </Form>
      <ReviewError error={error} title="The request was not sent." about="defensive" />
    </>
  );
}

export function DefensivePage() {
  const me = useIdentity();
  const role = reviewRole(me.organization.kind);
  const party: Party | undefined = role === 'partner' ? undefined : role;
  const requests = useLoad(() => api.get<Items<DefensiveAccess>>('/review/defensive-access'), []);
  // Only a requester's administrators may list the models to ask for.
  const models = useLoad(
    () =>
      role === 'partner'
        ? api.get<Items<DefensiveModel>>('/review/defensive-models')
        : Promise.resolve({ items: [] as DefensiveModel[] }),
    [role],
  );
  const now = useNow(30_000);
  const [notice, setNotice] = useState<string | null>(null);
  const changed = (n: string) => {
    setNotice(n);
    requests.reload();
  };

  const items = requests.data?.items ?? [];
  const mine = items.filter((d) => d.org_id === me.organization.id);
  const shown = party ? items : mine;
  const active = mine.some((d) => defensiveStateAt(d, now) === 'active');
  const pending = party ? items.filter((d) => canDecide(d, party, now)).length : 0;
  const notAdmin = models.error instanceof ApiError && models.error.status === 403;

  return (
    <>
      <h1 tabIndex={-1}>Defensive access</h1>
      <p className="lead">
        {role === 'partner'
          ? `Use a released model for defence. Your organization’s administrators ask for one version, say what for and until when (at most ${MAX_DEFENSIVE_DAYS} days); the program office and the model’s lab each approve. Once both have, your people issue gateway keys under it, each within the quota asked for.`
          : role === 'lab'
            ? 'Agencies, operators, partners and clearinghouses ask to use your released models for defence. Your lab and the program office each approve, in either order; the second approval makes the access active. Revoking it stops its gateway keys at once.'
            : 'Requests to use released models for defence. The program office and the model’s lab each approve, in either order; the second approval makes the access active. Revoking it stops its gateway keys at once.'}
      </p>
      <Notice text={notice} />
      {active && (
        <p className="notice">
          Your organization has active defensive access: issue gateway keys under it on the{' '}
          <Link to="/review/keys">Gateway keys</Link> page.
        </p>
      )}
      {party && pending > 0 && (
        <p className="notice">
          {pending === 1 ? 'One request waits' : `${pending} requests wait`} for {partyName(party)}’s decision.
        </p>
      )}
      <ReviewError error={requests.error} title="The requests could not be loaded." about="defensive" />
      {requests.loading && !requests.data ? <Loading what="requests" /> : null}
      {requests.data && shown.length === 0 ? (
        <EmptyState
          title={
            role === 'partner'
              ? 'Your organization has no defensive access.'
              : role === 'lab'
                ? 'No one has asked for your models.'
                : 'There are no defensive access requests.'
          }
        >
          <p>
            {role === 'partner'
              ? 'Ask for a released model with the form below. It becomes active when the program office and the model’s lab have both approved.'
              : 'Agencies, operators, partners and clearinghouses ask for released versions; their requests appear here for you to approve or deny.'}
          </p>
        </EmptyState>
      ) : requests.data ? (
        <RequestsTable
          caption={
            role === 'partner'
              ? 'Your organization’s defensive access'
              : role === 'lab'
                ? 'Requests for your lab’s models'
                : 'Defensive access requests'
          }
          items={shown}
          party={party}
          now={now}
          onChanged={changed}
        />
      ) : null}
      {role === 'partner' && (
        <section aria-labelledby="defensive-request">
          <h2 id="defensive-request">Request access</h2>
          {notAdmin ? (
            <EmptyState title="Only your organization’s administrators request defensive access.">
              <p>Ask one of them; once the access is active, you issue your own gateway keys under it.</p>
            </EmptyState>
          ) : (
            <ReviewError error={models.error} title="The released models could not be loaded." about="defensive" />
          )}
          {models.loading && !models.data ? <Loading what="released models" /> : null}
          {models.data && requests.data && (
            <RequestForm
              models={models.data.items}
              mine={mine}
              now={now}
              onRequested={(d) =>
                changed(
                  `Asked for defensive access to ${d.gateway_model} until ${new Date(d.expires_at).toLocaleString()}. ` +
                    'It becomes active when the lab and the program office have both approved it.',
                )
              }
            />
          )}
        </section>
      )}
    </>
  );
}
