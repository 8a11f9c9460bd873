import { useState } from 'react';

import { api, ApiError, enc, type Job, type JobQueue, type Page } from '../api';
import {
  age,
  Badge,
  Code,
  EmptyState,
  ErrorMessage,
  Field,
  Form,
  Loading,
  PagedTable,
  Time,
  useAction,
  useLoad,
} from '../components';

function notAvailable(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

export function JobsPage() {
  const queues = useLoad(() => api.get<{ queues: JobQueue[] }>('/jobs/queues'), []);
  const [kind, setKind] = useState('');
  const [draftKind, setDraftKind] = useState('');
  const [reloadKey, setReloadKey] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const retry = useAction();

  const retryJob = (job: Job) =>
    retry.run(async () => {
      await api.post<Job>(`/jobs/${enc(job.id)}/retry`);
      setNotice(`Job ${job.id} (${job.kind}) is queued again.`);
      setReloadKey((k) => k + 1);
      queues.reload();
    });

  if (notAvailable(queues.error)) {
    return (
      <>
        <h1 tabIndex={-1}>Jobs</h1>
        <EmptyState title="This server does not offer the job queue's API yet.">
          <p>
            Background work (evaluation samples, notice deliveries, checkpoint signing) shows up here
            once the server runs a version with the jobs API. Upgrade Bulwark and reload this page.
          </p>
        </EmptyState>
      </>
    );
  }

  const list = queues.data?.queues ?? [];
  const now = Date.now();
  return (
    <>
      <h1 tabIndex={-1}>Jobs</h1>
      <p className="lead">
        The durable job queue: how much work waits per kind, how old the oldest waiting job is, and
        the jobs that failed every attempt.
      </p>
      <section aria-labelledby="jobs-queues">
        <h2 id="jobs-queues">Queues</h2>
        <ErrorMessage error={queues.error} title="The queues could not be loaded." />
        {queues.loading && !queues.data ? <Loading what="queues" /> : null}
        {queues.data && list.length === 0 ? (
          <EmptyState title="No jobs have run yet.">
            <p>Queues appear here when the server or a worker first enqueues work of a kind.</p>
          </EmptyState>
        ) : queues.data ? (
          <div className="table-scroll">
            <table>
              <caption>Jobs per kind and state</caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col" className="num">Queued</th>
                  <th scope="col" className="num">Leased</th>
                  <th scope="col" className="num">Failed, retrying</th>
                  <th scope="col" className="num">Dead</th>
                  <th scope="col" className="num">Done</th>
                  <th scope="col">Oldest queued</th>
                </tr>
              </thead>
              <tbody>
                {list.map((q) => (
                  <tr key={q.kind}>
                    <td>
                      <Code>{q.kind}</Code>
                    </td>
                    <td className="num">{q.queued}</td>
                    <td className="num">{q.leased}</td>
                    <td className="num">{q.failed}</td>
                    <td className={`num${q.dead > 0 ? ' alarm' : ''}`}>{q.dead}</td>
                    <td className="num">{q.done}</td>
                    <td>
                      {q.oldest_queued_at ? (
                        <>
                          waiting {age(q.oldest_queued_at, now)} (<Time value={q.oldest_queued_at} />)
                        </>
                      ) : (
                        <span className="muted">nothing waiting</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <section aria-labelledby="jobs-dead">
        <h2 id="jobs-dead">Dead jobs</h2>
        {notice && (
          <p className="success" role="status">
            {notice}
          </p>
        )}
        <ErrorMessage error={retry.error} title="The job was not retried." />
        <Form label="Filter dead jobs" onSubmit={() => setKind(draftKind.trim())}>
          <div className="row">
            <Field label="Kind" hint="Empty for every kind.">
              {(p) => (
                <input {...p} list="job-kinds" value={draftKind} onChange={(e) => setDraftKind(e.target.value)} />
              )}
            </Field>
            <datalist id="job-kinds">
              {list.map((q) => (
                <option key={q.kind} value={q.kind} />
              ))}
            </datalist>
            <button type="submit">Filter</button>
          </div>
        </Form>
        <PagedTable<Job>
          key={kind}
          caption="Dead jobs"
          what="dead jobs"
          reloadKey={reloadKey}
          load={(cursor, limit) => api.get<Page<Job>>('/jobs', { state: 'dead', kind, cursor, limit })}
          rowKey={(j) => j.id}
          columns={[
            { key: 'kind', label: 'Kind', render: (j) => <Code>{j.kind}</Code> },
            { key: 'id', label: 'Id', render: (j) => <Code>{j.id}</Code> },
            { key: 'state', label: 'State', render: (j) => <Badge value={j.state} /> },
            {
              key: 'attempts',
              label: 'Attempts',
              render: (j) => `${j.attempts} of ${j.max_attempts}`,
            },
            { key: 'error', label: 'Last error', render: (j) => j.last_error ?? <span className="muted">none</span> },
            { key: 'updated', label: 'Died', render: (j) => <Time value={j.updated_at} /> },
            {
              key: 'actions',
              label: 'Actions',
              render: (j) => (
                <button type="button" onClick={() => void retryJob(j)} disabled={retry.busy}>
                  Retry<span className="visually-hidden"> job {j.id}</span>
                </button>
              ),
            },
          ]}
          empty={
            <EmptyState title={kind ? `No dead jobs of kind ${kind}.` : 'No dead jobs.'}>
              <p>
                A job that fails every attempt lands here with its last error. Fix the cause, then
                retry it from this table.
              </p>
            </EmptyState>
          }
        />
      </section>
    </>
  );
}
