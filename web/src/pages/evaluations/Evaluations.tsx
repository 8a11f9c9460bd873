// Evaluations: every evaluation of a model version under a registered policy, with its live
// progress, and the form an evaluator starts one with.
import { useEffect, useState } from 'react';

import { api } from '../../api';
import { Badge, EmptyState, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import {
  designationRoles,
  isLive,
  outcomeWords,
  progressText,
  shortHash,
  type Evaluation,
  type RegisteredPolicy,
  type StoredSuite,
} from '../../evaluations';
import type { Items } from '../../review';
import { Link, navigate, useLocation } from '../../router';
import { useIdentity } from '../../session';
import { Notice } from '../review/shared';
import { Progress } from './charts';
import { EvaluationError } from './shared';

// Reloads every `ms` while `live`.
export function usePolling(live: boolean, reload: () => void, ms = 2000) {
  useEffect(() => {
    if (!live) return undefined;
    const timer = window.setInterval(reload, ms);
    return () => window.clearInterval(timer);
  }, [live, reload, ms]);
}

function StartForm({ onStarted }: { onStarted: (e: Evaluation) => void }) {
  const { query } = useLocation();
  const policies = useLoad(() => api.get<Items<RegisteredPolicy>>('/evaluations/policies'), []);
  const suites = useLoad(() => api.get<Items<StoredSuite>>('/evaluations/suites'), []);
  const [versionId, setVersionId] = useState(query.get('version') ?? '');
  const [policyHash, setPolicyHash] = useState('');
  const [suiteHash, setSuiteHash] = useState('');
  const [epochs, setEpochs] = useState(1);
  const [seed, setSeed] = useState('');
  const [inquiryId, setInquiryId] = useState(query.get('inquiry') ?? '');
  const { busy, error, run } = useAction();
  const policyList = policies.data?.items ?? [];
  const policy = policyList.find((p) => p.hash === policyHash) ?? policyList[0];
  const suiteChoices = (suites.data?.items ?? []).filter((s) => policy?.suite_hashes.includes(s.hash));
  const start = () =>
    run(async () => {
      const e = await api.post<Evaluation>('/evaluations', {
        version_id: versionId.trim(),
        policy_hash: policy?.hash ?? '',
        ...(suiteHash ? { suite_hash: suiteHash } : {}),
        epochs,
        ...(seed.trim() ? { seed: seed.trim() } : {}),
        ...(inquiryId.trim() ? { inquiry_id: inquiryId.trim() } : {}),
      });
      onStarted(e);
    });
  if (policies.loading && !policies.data) return <Loading what="policies" />;
  if (policies.data && policyList.length === 0) {
    return (
      <EmptyState title="No policy is registered.">
        <p>
          An evaluation runs only under a policy registered before it. <Link to="/evaluations/policies">Register one</Link>{' '}
          first.
        </p>
      </EmptyState>
    );
  }
  return (
    <>
      <EvaluationError error={policies.error ?? suites.error} title="The policies or suites could not be loaded." />
      <Form label="Start an evaluation" onSubmit={() => void start()}>
        <div className="row">
          <Field label="Model version id" hint="The version the lab asked about (its inquiry names it).">
            {(p) => (
              <input {...p} required value={versionId} onChange={(e) => setVersionId(e.target.value)} className="wide" />
            )}
          </Field>
          <Field label="Inquiry id (optional)" hint="The lab’s accepted inquiry this evaluation answers.">
            {(p) => <input {...p} value={inquiryId} onChange={(e) => setInquiryId(e.target.value)} className="wide" />}
          </Field>
        </div>
        <div className="row">
          <Field label="Policy">
            {(p) => (
              <select {...p} value={policy?.hash ?? ''} onChange={(e) => setPolicyHash(e.target.value)}>
                {policyList.map((pol) => (
                  <option key={pol.hash} value={pol.hash}>
                    {pol.policy_id} v{pol.version}
                    {pol.sequential ? ' (sequential)' : ''} · {shortHash(pol.hash)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Suite" hint="One the policy names; its tasks must all be valid.">
            {(p) => (
              <select {...p} value={suiteHash} onChange={(e) => setSuiteHash(e.target.value)}>
                <option value="">The policy’s first imported suite</option>
                {suiteChoices.map((s) => (
                  <option key={s.hash} value={s.hash}>
                    {s.name} {s.version} ({s.validity})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Epochs" hint="Samples of each task.">
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                max={100}
                className="narrow"
                value={epochs}
                onChange={(e) => setEpochs(Number(e.target.value))}
              />
            )}
          </Field>
          <Field label="Seed (optional)" hint="Fixes the samples’ order; empty for a random one, recorded.">
            {(p) => <input {...p} inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} />}
          </Field>
        </div>
        <button type="submit" className="primary" disabled={busy || !policy || !versionId.trim()}>
          Start the evaluation
        </button>
      </Form>
      <EvaluationError error={error} title="The evaluation was not started." />
    </>
  );
}

export function EvaluationsPage() {
  const me = useIdentity();
  const roles = designationRoles(me);
  const list = useLoad(() => api.get<Items<Evaluation>>('/evaluations'), []);
  const [notice, setNotice] = useState<string | null>(null);
  const items = list.data?.items ?? [];
  usePolling(items.some((e) => isLive(e.state)), list.reload);

  return (
    <>
      <h1 tabIndex={-1}>Evaluations</h1>
      <p className="lead">
        Each evaluation runs a sealed suite against a model version through the gateway, under the version’s access
        window and a policy registered before it. Its decision is one of exceeds, below or inconclusive; an evaluator
        recommends and a director, another person, designates.
      </p>
      <nav className="subnav" aria-label="Designation">
        <Link to="/evaluations/policies">Policies</Link> · <Link to="/evaluations/suites">Suites</Link>
      </nav>
      <Notice text={notice} />
      <EvaluationError error={list.error} title="The evaluations could not be loaded." />
      {list.loading && !list.data ? <Loading what="evaluations" /> : null}
      {list.data && items.length === 0 ? (
        <EmptyState title="No evaluation has run.">
          <p>
            {roles.evaluator
              ? 'Start one with the form below once a policy is registered and its suite is valid.'
              : 'An evaluator starts evaluations; they appear here with their progress.'}
          </p>
        </EmptyState>
      ) : list.data ? (
        <div className="table-scroll">
          <table>
            <caption>Evaluations, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Policy</th>
                <th scope="col">Suite</th>
                <th scope="col">State</th>
                <th scope="col">Progress</th>
                <th scope="col">Outcome</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link to={`/evaluations/${encodeURIComponent(e.id)}`}>{e.gateway_model}</Link>
                    <br />
                    <code className="id">{e.id}</code>
                  </td>
                  <td>
                    {e.policy_id} v{e.policy_version}
                  </td>
                  <td>{e.suite_name}</td>
                  <td>
                    <Badge value={e.state} />
                    {e.pause_reason && <div className="muted">{e.pause_reason}</div>}
                  </td>
                  <td>
                    <Progress
                      done={e.samples_done}
                      total={e.samples_total}
                      passed={e.samples_passed}
                      label={`Progress of ${e.gateway_model}`}
                    />
                    <span className="muted">
                      {progressText(e)}, {e.samples_passed} passed
                    </span>
                  </td>
                  <td>{e.outcome ? <Badge value={e.outcome} /> : <span className="muted">{outcomeWords(null)}</span>}</td>
                  <td>
                    <Time value={e.started_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {roles.evaluator && (
        <section aria-labelledby="evaluation-start">
          <h2 id="evaluation-start">Start an evaluation</h2>
          <StartForm
            onStarted={(e) => {
              setNotice(`Started the evaluation of ${e.gateway_model}: ${e.samples_total} samples.`);
              navigate(`/evaluations/${encodeURIComponent(e.id)}`);
            }}
          />
        </section>
      )}
    </>
  );
}
