// Threshold policies: registered before any evaluation may use them, named by the SHA-256 of
// their bytes, never changed after (docs/policies.md). Their criteria are classified: the API
// keeps the text encrypted and returns what names the policy.
import { useState } from 'react';

import { api } from '../../api';
import { Badge, Code, EmptyState, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import { designationRoles, shortHash, type RegisteredPolicy } from '../../evaluations';
import type { Items } from '../../review';
import { Link } from '../../router';
import { useIdentity } from '../../session';
import { Notice } from '../review/shared';
import { EvaluationError } from './shared';

function RegisterForm({ onRegistered }: { onRegistered: (p: RegisteredPolicy) => void }) {
  const [yaml, setYaml] = useState('');
  const { busy, error, run } = useAction();
  const register = () =>
    run(async () => {
      onRegistered(await api.post<RegisteredPolicy>('/evaluations/policies', { yaml }));
      setYaml('');
    });
  const readFile = async (file: File | undefined) => {
    if (file) setYaml(await file.text());
  };
  return (
    <>
      <Form label="Register a policy" onSubmit={() => void register()}>
        <Field label="Policy file" hint="A YAML policy (docs/policies.md); its text fills the box below.">
          {(p) => <input {...p} type="file" accept=".yaml,.yml,text/yaml" onChange={(e) => void readFile(e.target.files?.[0])} />}
        </Field>
        <Field label="Policy (YAML)" hint="id, version, suites by name and content hash, criteria, min_tasks, sequential.">
          {(p) => (
            <textarea
              {...p}
              required
              rows={12}
              spellCheck={false}
              className="wide code"
              value={yaml}
              onChange={(e) => setYaml(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={busy || !yaml.trim()}>
          Register the policy
        </button>
      </Form>
      <EvaluationError error={error} title="The policy was not registered." />
    </>
  );
}

export function PoliciesPage() {
  const roles = designationRoles(useIdentity());
  const list = useLoad(() => api.get<Items<RegisteredPolicy>>('/evaluations/policies'), []);
  const [notice, setNotice] = useState<string | null>(null);
  const items = list.data?.items ?? [];
  return (
    <>
      <p>
        <Link to="/evaluations">← Evaluations</Link>
      </p>
      <h1 tabIndex={-1}>Threshold policies</h1>
      <p className="lead">
        A policy is registered before any evaluation may use it, and never changes: it is named by the SHA-256 of its
        bytes, written to the ledger. A lab sees only an opaque reference to it in its answer.
      </p>
      <Notice text={notice} />
      <EvaluationError error={list.error} title="The policies could not be loaded." />
      {list.loading && !list.data ? <Loading what="policies" /> : null}
      {list.data && items.length === 0 ? (
        <EmptyState title="No policy is registered.">
          <p>{roles.evaluator ? 'Register one with the form below.' : 'An evaluator registers policies.'}</p>
        </EmptyState>
      ) : list.data ? (
        <div className="table-scroll">
          <table>
            <caption>Registered policies</caption>
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Decides</th>
                <th scope="col">Suites (content hash)</th>
                <th scope="col">Registered</th>
                <th scope="col">Hash</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.hash}>
                  <td>
                    <strong>
                      {p.policy_id} v{p.version}
                    </strong>
                    {p.description && <div className="muted">{p.description}</div>}
                  </td>
                  <td>
                    <Badge value={p.sequential ? 'sequential' : 'once'} />
                  </td>
                  <td>
                    {p.suite_hashes.map((h) => (
                      <div key={h}>
                        <Code>{shortHash(h)}</Code>
                      </div>
                    ))}
                  </td>
                  <td>
                    <Time value={p.registered_at} /> by <Code>{p.registered_by}</Code>
                  </td>
                  <td>
                    <Code>{p.hash}</Code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {roles.evaluator && (
        <section aria-labelledby="policy-register">
          <h2 id="policy-register">Register a policy</h2>
          <RegisterForm
            onRegistered={(p) => {
              setNotice(`Registered ${p.policy_id} v${p.version} as ${p.hash}.`);
              list.reload();
            }}
          />
        </section>
      )}
    </>
  );
}
