// Inquiries: a lab asks whether a version is a covered frontier model; the program office
// accepts the question, which starts the clock (due 30 days later unless it sets a date).
import { useState } from 'react';

import { api, enc } from '../../api';
import { Badge, ConfirmButton, EmptyState, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import { dueClock, fromLocalInput, reviewRole, type Inquiry, type Items } from '../../review';
import { useLocation } from '../../router';
import { useIdentity } from '../../session';
import {
  Notice,
  ReviewError,
  unreleasedVersions,
  useNow,
  useVersions,
  VersionName,
  VersionSelect,
  versionText,
  type VersionInfo,
} from './shared';

const OPEN_STATES = ['submitted', 'accepted', 'under_evaluation'];

function DueClock({ q }: { q: Inquiry }) {
  const now = useNow();
  const text = dueClock(q, now);
  return text ? <span className="countdown">{text}</span> : null;
}

// The program office accepts an inquiry, with a due date or the default of 30 days.
function Accept({ q, label, onDone }: { q: Inquiry; label: string; onDone: (n: string) => void }) {
  const [due, setDue] = useState('');
  const { busy, error, run } = useAction();
  const accept = () =>
    run(async () => {
      const at = fromLocalInput(due);
      const r = await api.post<Inquiry>(`/review/inquiries/${enc(q.id)}/accept`, at ? { due_at: at } : {});
      onDone(`Accepted the inquiry about ${label}; the answer is due ${new Date(r.due_at ?? '').toLocaleString()}.`);
    });
  return (
    <>
      <Form label={`Accept the inquiry about ${label}`} onSubmit={() => void accept()}>
        <div className="row">
          <Field label="Due (optional)" hint="Empty: 30 days from now.">
            {(p) => <input {...p} type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />}
          </Field>
          <button type="submit" className="primary" disabled={busy}>
            Accept<span className="visually-hidden"> the inquiry about {label}</span>
          </button>
        </div>
      </Form>
      <ReviewError error={error} title="The inquiry was not accepted." />
    </>
  );
}

function AskForm({ versions, onAsked }: { versions: Map<string, VersionInfo> | null; onAsked: (n: string) => void }) {
  const { query } = useLocation();
  const choices = unreleasedVersions(versions);
  const [versionId, setVersionId] = useState(query.get('version') ?? '');
  const [question, setQuestion] = useState('');
  const { busy, error, run } = useAction();
  const chosen = versionId || choices[0]?.version.id || '';
  const ask = () =>
    run(async () => {
      await api.post<Inquiry>('/review/inquiries', {
        version_id: chosen,
        ...(question.trim() ? { question: question.trim() } : {}),
      });
      setQuestion('');
      onAsked(`Asked about ${versionText(chosen, versions)}. The program office accepts the inquiry, which starts its clock.`);
    });
  if (versions && choices.length === 0) {
    return (
      <EmptyState title="No version to ask about.">
        <p>Add a version to a model on the Models page first; released and withdrawn versions are out of scope.</p>
      </EmptyState>
    );
  }
  return (
    <>
      <Form label="Ask about a version" onSubmit={() => void ask()}>
        <div className="row">
          <VersionSelect choices={choices} value={chosen} onChange={setVersionId} />
          <Field label="Question (optional)" hint="Anything the program office should know.">
            {(p) => (
              <textarea {...p} rows={2} maxLength={4000} value={question} onChange={(e) => setQuestion(e.target.value)} />
            )}
          </Field>
          <button type="submit" className="primary" disabled={busy || !chosen}>
            Ask
          </button>
        </div>
      </Form>
      <ReviewError error={error} title="The inquiry was not sent." />
    </>
  );
}

export function InquiriesPage() {
  const me = useIdentity();
  const role = reviewRole(me.organization.kind);
  const inquiries = useLoad(() => api.get<Items<Inquiry>>('/review/inquiries'), []);
  const versions = useVersions(role !== 'partner');
  const [notice, setNotice] = useState<string | null>(null);
  const withdraw = useAction();

  const changed = (n: string) => {
    setNotice(n);
    inquiries.reload();
  };
  const withdrawInquiry = (q: Inquiry) =>
    withdraw.run(async () => {
      await api.post<Inquiry>(`/review/inquiries/${enc(q.id)}/withdraw`);
      changed(`Withdrew the inquiry about ${versionText(q.version_id, versions.data)}.`);
    });

  const items = inquiries.data?.items ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Inquiries</h1>
      <p className="lead">
        {role === 'lab'
          ? 'Ask the program office whether a version is a covered frontier model. Once it accepts your inquiry the clock runs: the answer is due 30 days later unless the office sets another date. You can withdraw an inquiry at any time before it is answered.'
          : role === 'program_office'
            ? 'Labs’ questions whether a version is a covered frontier model. Accepting one starts its clock: the answer is due 30 days later unless you set a date.'
            : 'Inquiries are between labs and the program office.'}
      </p>
      <Notice text={notice} />
      <ReviewError error={withdraw.error} title="The inquiry was not withdrawn." />
      <ReviewError error={inquiries.error} title="The inquiries could not be loaded." />
      {inquiries.loading && !inquiries.data ? <Loading what="inquiries" /> : null}
      {inquiries.data && items.length === 0 ? (
        <EmptyState title="There are no inquiries.">
          <p>
            {role === 'lab'
              ? 'Ask about a version with the form below.'
              : role === 'program_office'
                ? 'Labs’ inquiries appear here when they ask; accept them from this table.'
                : 'Nothing here concerns your organization.'}
          </p>
        </EmptyState>
      ) : inquiries.data ? (
        <div className="table-scroll">
          <table>
            <caption>Inquiries</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">State</th>
                <th scope="col">Question</th>
                <th scope="col">Asked</th>
                <th scope="col">Accepted</th>
                <th scope="col">Due</th>
                <th scope="col">Answer</th>
                {role !== 'partner' && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((q) => {
                const label = versionText(q.version_id, versions.data);
                return (
                  <tr key={q.id}>
                    <td>
                      <VersionName id={q.version_id} versions={versions.data} />
                    </td>
                    <td>
                      <Badge value={q.state} />
                    </td>
                    <td>{q.question || <span className="muted">none</span>}</td>
                    <td>
                      <Time value={q.asked_at} />
                    </td>
                    <td>
                      <Time value={q.accepted_at} />
                    </td>
                    <td>
                      <Time value={q.due_at} />
                      {q.due_at && (
                        <>
                          <br />
                          <DueClock q={q} />
                        </>
                      )}
                    </td>
                    <td>
                      {q.answered_at ? (
                        <>
                          {q.answer === 'covered'
                            ? 'Covered frontier model'
                            : q.answer === 'not_covered'
                              ? 'Not covered'
                              : (q.answer ?? 'answered')}{' '}
                          (<Time value={q.answered_at} />)
                          {q.policy_ref && (
                            <div className="muted">
                              under policy <code>{q.policy_ref}</code>
                            </div>
                          )}
                        </>
                      ) : q.withdrawn_at ? (
                        <>
                          withdrawn <Time value={q.withdrawn_at} />
                        </>
                      ) : (
                        <span className="muted">not yet</span>
                      )}
                    </td>
                    {role !== 'partner' && (
                      <td>
                        {role === 'program_office' && q.state === 'submitted' && (
                          <Accept q={q} label={label} onDone={changed} />
                        )}
                        {role === 'lab' && OPEN_STATES.includes(q.state) && (
                          <ConfirmButton
                            action="Withdraw"
                            what={`the inquiry about ${label}`}
                            onConfirm={() => void withdrawInquiry(q)}
                            disabled={withdraw.busy}
                          />
                        )}
                        {!OPEN_STATES.includes(q.state) || (role === 'program_office' && q.state !== 'submitted') ? (
                          <span className="muted">none</span>
                        ) : null}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {role === 'lab' && (
        <section aria-labelledby="inquiry-ask">
          <h2 id="inquiry-ask">Ask whether a version is covered</h2>
          {versions.loading && !versions.data ? <Loading what="versions" /> : null}
          <ReviewError error={versions.error} title="The versions could not be loaded." />
          {versions.data && <AskForm versions={versions.data} onAsked={changed} />}
        </section>
      )}
    </>
  );
}
