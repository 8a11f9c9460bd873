// Suites: imported sealed (bulwark suite seal) or as a suite document, kept encrypted; each
// task's validity checks run in the sandbox, and only a suite whose every task is valid is
// evaluated. The page shows each task's verdict and why.
import { useState } from 'react';

import { api, RawBody } from '../../api';
import { Badge, Code, EmptyState, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import { designationRoles, type StoredSuite } from '../../evaluations';
import type { Items } from '../../review';
import { Link } from '../../router';
import { useIdentity } from '../../session';
import { Notice } from '../review/shared';
import { usePolling } from './Evaluations';
import { EvaluationError } from './shared';

function ImportForm({ onImported }: { onImported: (s: StoredSuite) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const { busy, error, run } = useAction();
  const upload = () =>
    run(async () => {
      if (!file) return;
      onImported(await api.post<StoredSuite>('/evaluations/suites', new RawBody(await file.text(), 'application/json')));
      setFile(null);
    });
  return (
    <>
      <Form label="Import a suite" onSubmit={() => void upload()}>
        <Field label="Sealed suite or suite document" hint="The file bulwark suite seal wrote; it is opened on the server only.">
          {(p) => <input {...p} type="file" accept=".json,application/json" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
        <button type="submit" className="primary" disabled={busy || !file}>
          Import the suite
        </button>
      </Form>
      <EvaluationError error={error} title="The suite was not imported." />
    </>
  );
}

function Validity({ s }: { s: StoredSuite }) {
  const r = s.validity_report;
  if (s.validity === 'checking') return <span className="muted">The tasks’ checks are running in the sandbox…</span>;
  if (!r) return null;
  const failed = r.tasks.filter((t) => t.verdict !== 'valid');
  return (
    <details>
      <summary>
        {r.valid} valid, {r.invalid} invalid, {r.errors} not checked ({r.seconds.toFixed(0)} s)
      </summary>
      {failed.length > 0 && (
        <ul>
          {failed.map((t) => (
            <li key={t.task}>
              <Code>{t.task}</Code> <Badge value={t.verdict} /> {t.reason}
            </li>
          ))}
        </ul>
      )}
      <table>
        <caption className="visually-hidden">The tasks of {s.name}</caption>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Category</th>
            <th scope="col">Difficulty</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {r.tasks.map((t) => (
            <tr key={t.task}>
              <td>
                <Code>{t.task}</Code>
              </td>
              <td>{t.category}</td>
              <td>{t.difficulty}</td>
              <td>
                <Badge value={t.verdict} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export function SuitesPage() {
  const roles = designationRoles(useIdentity());
  const list = useLoad(() => api.get<Items<StoredSuite>>('/evaluations/suites'), []);
  const [notice, setNotice] = useState<string | null>(null);
  const items = list.data?.items ?? [];
  usePolling(items.some((s) => s.validity === 'checking'), list.reload, 3000);
  return (
    <>
      <p>
        <Link to="/evaluations">← Evaluations</Link>
      </p>
      <h1 tabIndex={-1}>Suites</h1>
      <p className="lead">
        Suites are kept encrypted. For every task the reference solution must pass, and a null agent and a flag-hunting
        agent must fail, in the sandbox; an evaluation runs only a suite whose every task is valid.
      </p>
      <Notice text={notice} />
      <EvaluationError error={list.error} title="The suites could not be loaded." />
      {list.loading && !list.data ? <Loading what="suites" /> : null}
      {list.data && items.length === 0 ? (
        <EmptyState title="No suite is imported.">
          <p>{roles.evaluator ? 'Import a sealed suite with the form below.' : 'An evaluator imports suites.'}</p>
        </EmptyState>
      ) : list.data ? (
        <div className="table-scroll">
          <table>
            <caption>Imported suites</caption>
            <thead>
              <tr>
                <th scope="col">Suite</th>
                <th scope="col">Tasks</th>
                <th scope="col">Validity</th>
                <th scope="col">Imported</th>
                <th scope="col">Content hash</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.hash}>
                  <td>
                    <strong>
                      {s.name} {s.version}
                    </strong>
                    {s.description && <div className="muted">{s.description}</div>}
                  </td>
                  <td>{s.tasks}</td>
                  <td>
                    <Badge value={s.validity} /> {s.checked_at && <Time value={s.checked_at} />}
                    <Validity s={s} />
                  </td>
                  <td>
                    <Time value={s.imported_at} /> by <Code>{s.imported_by}</Code>
                  </td>
                  <td>
                    <Code>{s.hash}</Code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {roles.evaluator && (
        <section aria-labelledby="suite-import">
          <h2 id="suite-import">Import a suite</h2>
          <ImportForm
            onImported={(s) => {
              setNotice(`Imported ${s.name} ${s.version} (${s.tasks} tasks); its validity checks are queued.`);
              list.reload();
            }}
          />
        </section>
      )}
    </>
  );
}
