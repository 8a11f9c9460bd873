import { useState } from 'react';

import { api, enc, type Page, type Tuple } from '../api';
import {
  Badge,
  Code,
  ConfirmButton,
  EmptyState,
  ErrorMessage,
  Field,
  Form,
  PagedTable,
  Time,
  useAction,
} from '../components';
import { Link } from '../router';
import { isPlatformAdmin, useIdentity } from '../session';

function subjectText(t: Tuple, meId: string) {
  return t.subject === meId ? (
    <>
      <Code>{t.subject}</Code> (you)
    </>
  ) : (
    <Code>{t.subject}</Code>
  );
}

export function GrantsPage() {
  const me = useIdentity();
  const admin = isPlatformAdmin(me);
  const [filter, setFilter] = useState({ object: '', subject: '' });
  const [draftFilter, setDraftFilter] = useState(filter);
  const [reloadKey, setReloadKey] = useState(0);
  const [spec, setSpec] = useState({ object: 'platform', relation: 'auditor', subject: '', expires: '' });
  const [notice, setNotice] = useState<string | null>(null);
  const write = useAction();
  const change = useAction();

  const propose = () =>
    write.run(async () => {
      const body: Record<string, string> = {
        object: spec.object.trim(),
        relation: spec.relation.trim(),
        subject: spec.subject.trim(),
      };
      if (spec.expires) body.expires_at = new Date(spec.expires).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const t = await api.post<Tuple>('/tuples', body);
      setNotice(
        t.state === 'pending_approval'
          ? `Proposed ${t.relation} on ${t.object} for ${t.subject}. It takes effect when a different platform administrator approves it.`
          : `Granted ${t.relation} on ${t.object} to ${t.subject}.`,
      );
      setSpec((s) => ({ ...s, subject: '', expires: '' }));
      setReloadKey((k) => k + 1);
    });

  const approve = (t: Tuple) =>
    change.run(async () => {
      await api.post<Tuple>(`/tuples/${enc(t.id)}/approve`);
      setNotice(`Approved ${t.relation} on ${t.object} for ${t.subject}; it is in effect.`);
      setReloadKey((k) => k + 1);
    });

  const revoke = (t: Tuple) =>
    change.run(async () => {
      await api.del<Tuple>(`/tuples/${enc(t.id)}`);
      setNotice(`Revoked ${t.relation} on ${t.object} for ${t.subject}.`);
      setReloadKey((k) => k + 1);
    });

  return (
    <>
      <h1 tabIndex={-1}>Grants</h1>
      <p className="lead">
        Relationship tuples: who holds which relation on what. Platform-level grants are under dual
        control: one administrator proposes, a different one approves, and nobody approves a grant
        that names themselves.
      </p>
      {!admin && (
        <p className="notice">
          Reading and writing grants needs the platform admin or auditor relation; the server will
          say so if you lack it. Your own grants are on <Link to="/">who am I</Link>.
        </p>
      )}
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage error={change.error} title="The grant was not changed." />
      <Form label="Filter grants" onSubmit={() => setFilter(draftFilter)}>
        <div className="row">
          <Field label="Object" hint="platform, org_… or usr_…">
            {(p) => (
              <input
                {...p}
                value={draftFilter.object}
                onChange={(e) => setDraftFilter((f) => ({ ...f, object: e.target.value.trim() }))}
              />
            )}
          </Field>
          <Field label="Subject" hint="usr_… or org_…#member">
            {(p) => (
              <input
                {...p}
                value={draftFilter.subject}
                onChange={(e) => setDraftFilter((f) => ({ ...f, subject: e.target.value.trim() }))}
              />
            )}
          </Field>
          <button type="submit">Filter</button>
        </div>
      </Form>
      <PagedTable<Tuple>
        key={`${filter.object}|${filter.subject}`}
        caption="Grants"
        what="grants"
        reloadKey={reloadKey}
        load={(cursor, limit, sort) => api.get<Page<Tuple>>('/tuples', { cursor, limit, sort, ...filter })}
        rowKey={(t) => t.id}
        columns={[
          { key: 'object', label: 'Object', sortBy: 'object', render: (t) => <Code>{t.object}</Code> },
          { key: 'relation', label: 'Relation', sortBy: 'relation', render: (t) => t.relation },
          { key: 'subject', label: 'Subject', sortBy: 'subject', render: (t) => subjectText(t, me.user.id) },
          { key: 'state', label: 'State', render: (t) => <Badge value={t.state} /> },
          { key: 'from', label: 'Valid from', sortBy: 'valid_from', render: (t) => <Time value={t.valid_from} /> },
          { key: 'expires', label: 'Expires', sortBy: 'expires_at', render: (t) => <Time value={t.expires_at} /> },
          {
            key: 'who',
            label: 'Proposed / approved by',
            render: (t) => (
              <>
                <Code>{t.created_by}</Code>
                {t.approved_by ? (
                  <>
                    {' / '}
                    <Code>{t.approved_by}</Code>
                  </>
                ) : null}
              </>
            ),
          },
          {
            key: 'actions',
            label: 'Actions',
            render: (t) => (
              <span className="actions">
                {t.state === 'pending_approval' && (
                  <button type="button" onClick={() => void approve(t)} disabled={change.busy}>
                    Approve<span className="visually-hidden"> {t.relation} on {t.object} for {t.subject}</span>
                  </button>
                )}
                {t.state !== 'revoked' && (
                  <ConfirmButton
                    action="Revoke"
                    what={`${t.relation} on ${t.object} for ${t.subject}`}
                    onConfirm={() => void revoke(t)}
                    disabled={change.busy}
                  />
                )}
              </span>
            ),
          },
        ]}
        empty={
          <EmptyState
            title={filter.object || filter.subject ? 'No grants match this filter.' : 'There are no grants yet.'}
          >
            <p>
              {filter.object || filter.subject
                ? 'Clear the filter fields and press Filter to see every grant.'
                : 'Propose one with the form below.'}
            </p>
          </EmptyState>
        }
      />
      <section aria-labelledby="grant-create">
        <h2 id="grant-create">Propose a grant</h2>
        <Form label="Propose a grant" onSubmit={() => void propose()}>
          <div className="row">
            <Field label="Object" hint="platform, org_… or usr_…">
              {(p) => (
                <input {...p} required value={spec.object} onChange={(e) => setSpec({ ...spec, object: e.target.value })} />
              )}
            </Field>
            <Field label="Relation" hint="admin, auditor, member, …">
              {(p) => (
                <input {...p} required value={spec.relation} onChange={(e) => setSpec({ ...spec, relation: e.target.value })} />
              )}
            </Field>
            <Field label="Subject" hint="usr_… or org_…#member">
              {(p) => (
                <input {...p} required value={spec.subject} onChange={(e) => setSpec({ ...spec, subject: e.target.value })} />
              )}
            </Field>
            <Field label="Expires (optional)">
              {(p) => (
                <input
                  {...p}
                  type="datetime-local"
                  value={spec.expires}
                  onChange={(e) => setSpec({ ...spec, expires: e.target.value })}
                />
              )}
            </Field>
            <button type="submit" className="primary" disabled={write.busy}>
              Propose grant
            </button>
          </div>
        </Form>
        <ErrorMessage error={write.error} title="The grant was not written." />
      </section>
    </>
  );
}
