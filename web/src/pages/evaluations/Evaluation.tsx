// One evaluation: its live progress, its decision with the figures and charts of its report, its
// samples (and, with clearance, their transcripts), and the two-person step that ends it: an
// evaluator recommends with a rationale, a director who did not recommend designates.
import { useState } from 'react';

import { api, enc } from '../../api';
import { Badge, Code, ConfirmButton, EmptyState, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import {
  allowedRecommendation,
  answerWords,
  designationRoles,
  isLive,
  nextStep,
  outcomeWords,
  percent,
  progressText,
  type Evaluation,
  type EvaluationSample,
  type Report,
  type TranscriptEntry,
} from '../../evaluations';
import type { Items } from '../../review';
import { Link } from '../../router';
import { useIdentity } from '../../session';
import { Notice } from '../review/shared';
import { Progress, RateChart, SequentialChart } from './charts';
import { usePolling } from './Evaluations';
import { EvaluationError } from './shared';

function Steer({ e, onDone }: { e: Evaluation; onDone: (n: string) => void }) {
  const { busy, error, run } = useAction();
  const act = (verb: 'pause' | 'resume' | 'cancel', said: string) =>
    run(async () => {
      await api.post<Evaluation>(`/evaluations/${enc(e.id)}/${verb}`);
      onDone(said);
    });
  return (
    <>
      <div className="actions">
        {e.state === 'running' && (
          <button type="button" disabled={busy} onClick={() => void act('pause', 'Paused the evaluation.')}>
            Pause
          </button>
        )}
        {e.state === 'paused' && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void act('resume', 'Resumed the evaluation; its remaining samples are queued again.')}
          >
            Resume
          </button>
        )}
        {(e.state === 'running' || e.state === 'paused') && (
          <ConfirmButton
            action="Cancel"
            what="the evaluation; nothing will be decided"
            disabled={busy}
            onConfirm={() => void act('cancel', 'Cancelled the evaluation.')}
          />
        )}
      </div>
      <EvaluationError error={error} title="The evaluation was not changed." />
    </>
  );
}

function RecommendForm({ e, onDone }: { e: Evaluation; onDone: (n: string) => void }) {
  const allowed = allowedRecommendation(e.outcome);
  const [choice, setChoice] = useState<'covered' | 'not_covered'>(allowed ?? 'covered');
  const [rationale, setRationale] = useState('');
  const { busy, error, run } = useAction();
  const recommend = () =>
    run(async () => {
      await api.post<Evaluation>(`/evaluations/${enc(e.id)}/recommend`, {
        recommendation: choice,
        rationale: rationale.trim(),
      });
      onDone(`Recommended: ${answerWords(choice).toLowerCase()}. A director who did not recommend designates.`);
    });
  return (
    <>
      <Form label="Recommend" onSubmit={() => void recommend()}>
        <div className="row">
          <Field label="Recommendation" hint="It must follow the policy’s decision.">
            {(p) => (
              <select {...p} value={choice} onChange={(ev) => setChoice(ev.target.value as 'covered' | 'not_covered')}>
                <option value="covered">Covered frontier model</option>
                <option value="not_covered">Not covered</option>
              </select>
            )}
          </Field>
          <Field label="Rationale" hint="Why, in words a reviewer of the designation can check.">
            {(p) => (
              <textarea
                {...p}
                required
                rows={4}
                maxLength={20000}
                value={rationale}
                onChange={(ev) => setRationale(ev.target.value)}
                className="wide"
              />
            )}
          </Field>
        </div>
        <button type="submit" className="primary" disabled={busy || !rationale.trim()}>
          Recommend
        </button>
      </Form>
      <EvaluationError error={error} title="The recommendation was not recorded." />
    </>
  );
}

function DesignateForm({ e, onDone }: { e: Evaluation; onDone: (n: string) => void }) {
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction();
  const designate = () =>
    run(async () => {
      await api.post<Evaluation>(`/evaluations/${enc(e.id)}/designate`, note.trim() ? { note: note.trim() } : {});
      onDone(`Designated: ${answerWords(e.recommendation).toLowerCase()}. The lab’s inquiry is answered.`);
    });
  return (
    <>
      <Form label="Designate" onSubmit={() => void designate()}>
        <Field label="Note (optional)" hint="Kept with the designation and its ledger entry.">
          {(p) => (
            <textarea {...p} rows={3} maxLength={20000} value={note} onChange={(ev) => setNote(ev.target.value)} className="wide" />
          )}
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          Designate: {answerWords(e.recommendation).toLowerCase()}
        </button>
      </Form>
      <EvaluationError error={error} title="The designation was not made." />
    </>
  );
}

function Transcript({ id, position, onClose }: { id: string; position: number; onClose: () => void }) {
  const t = useLoad(
    () => api.get<{ position: number; transcript: TranscriptEntry[] }>(`/evaluations/${enc(id)}/samples/${position}/transcript`),
    [id, position],
  );
  return (
    <section aria-labelledby="transcript-h" className="transcript">
      <h3 id="transcript-h" tabIndex={-1}>
        Transcript of sample {position}
      </h3>
      <button type="button" onClick={onClose}>
        Close the transcript
      </button>
      {t.loading && !t.data ? <Loading what="the transcript" /> : null}
      <EvaluationError error={t.error} title="The transcript could not be read." />
      {t.data && (
        <ol className="transcript-entries">
          {t.data.transcript.map((entry, i) => (
            <li key={i}>
              <strong>
                {entry.kind}
                {entry.tool ? ` (${entry.tool})` : ''}
                {entry.exit_code !== undefined ? `, exit ${entry.exit_code}` : ''}
              </strong>
              {/* Focusable, so that a long entry scrolls with the keyboard too. */}
              <pre tabIndex={0}>{entry.text}</pre>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

// Samples on a page of the table: the server pages them, so that an evaluation of many thousands
// loads as fast as one of ten.
const SAMPLE_PAGE = 100;

function SamplesTable({ e, cleared }: { e: Evaluation; cleared: boolean }) {
  const [start, setStart] = useState(0);
  const samples = useLoad(
    () =>
      api.get<Items<EvaluationSample> & { next_cursor: string | null }>(
        `/evaluations/${enc(e.id)}/samples?cursor=${start}&limit=${SAMPLE_PAGE}`,
      ),
    [e.id, e.samples_done, start],
  );
  const [open, setOpen] = useState<number | null>(null);
  const items = samples.data?.items ?? [];
  const last = items.at(-1)?.position ?? start;
  const next = samples.data?.next_cursor ?? null;
  // aria-disabled rather than disabled: a button that becomes disabled under the keyboard's focus
  // (the last page reached) would drop the focus to the page's start.
  const pager = e.samples_total > SAMPLE_PAGE && (
    <nav className="pager" aria-label="Pages of samples">
      <button type="button" aria-disabled={start === 0} onClick={() => start > 0 && setStart(Math.max(0, start - SAMPLE_PAGE))}>
        Earlier samples
      </button>
      <span aria-live="polite">
        Positions {start} to {last} of {e.samples_total}
      </span>
      <button type="button" aria-disabled={next === null} onClick={() => next !== null && setStart(Number(next))}>
        Later samples
      </button>
    </nav>
  );
  return (
    <>
      {samples.loading && !samples.data ? <Loading what="samples" /> : null}
      <EvaluationError error={samples.error} title="The samples could not be loaded." />
      {open !== null && <Transcript id={e.id} position={open} onClose={() => setOpen(null)} />}
      {pager}
      {samples.data && (
        <div className="table-scroll">
          <table>
            <caption>Samples, in the order the seed fixed</caption>
            <thead>
              <tr>
                <th scope="col">Position</th>
                <th scope="col">Task</th>
                <th scope="col">Epoch</th>
                <th scope="col">Result</th>
                <th scope="col">Messages</th>
                <th scope="col">Tokens in / out</th>
                <th scope="col">Time</th>
                <th scope="col">Infrastructure errors</th>
                {cleared && <th scope="col">Transcript</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.position} className={e.samples_used > 0 && s.position >= e.samples_used ? 'unused' : undefined}>
                  <td>{s.position}</td>
                  <td>
                    <Code>{s.task_id}</Code>
                  </td>
                  <td>{s.epoch}</td>
                  <td>
                    {s.recorded ? (
                      <Badge value={s.passed ? 'passed' : (s.end ?? 'failed')} />
                    ) : (
                      <span className="muted">{e.outcome || e.state === 'cancelled' ? 'not run' : 'waiting'}</span>
                    )}
                    {e.samples_used > 0 && s.position >= e.samples_used && s.recorded && (
                      <div className="muted">after the decision: not used</div>
                    )}
                  </td>
                  <td>{s.messages}</td>
                  <td>
                    {s.input_tokens} / {s.output_tokens}
                  </td>
                  <td>{s.recorded ? `${(s.milliseconds / 1000).toFixed(1)} s` : '—'}</td>
                  <td>
                    {s.infrastructure_errors}
                    {s.last_error && <div className="muted">{s.last_error}</div>}
                  </td>
                  {cleared && (
                    <td>
                      {s.recorded && (
                        <button type="button" onClick={() => setOpen(s.position)}>
                          Open<span className="visually-hidden"> the transcript of sample {s.position}</span>
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Figures({ e, report }: { e: Evaluation; report: Report }) {
  const thresholds = (report.decision?.criteria ?? []).map((c) => ({ label: c.id, value: c.threshold }));
  return (
    <>
      <p>
        {e.outcome
          ? `Over the ${report.samples.samples} samples the decision used`
          : `So far, over the ${report.samples.samples} samples recorded without a gap in the run’s order`}
        : pass rate {percent(report.pass_rate.rate)}, one-sided bounds {percent(report.pass_rate.lower)} to{' '}
        {percent(report.pass_rate.upper)} at {report.pass_rate.level} over {report.pass_rate.tasks} tasks.
      </p>
      {report.by_category && report.by_category.length > 0 && (
        <RateChart title="Pass rate by category" groups={report.by_category} thresholds={thresholds} />
      )}
      {report.by_difficulty && report.by_difficulty.length > 0 && (
        <RateChart title="Pass rate by difficulty" groups={report.by_difficulty} thresholds={thresholds} />
      )}
      {report.decision && report.decision.sequential.length > 0 && (
        <>
          <h3>Sequential evidence</h3>
          <p className="muted">
            {report.decision.sequential[0]!.for_information
              ? 'The policy decides once, on every sample; this shows what an anytime-valid test would have said as samples accrued.'
              : 'The policy decides sequentially: the decision is made at the first sample where either evidence reaches its bar for every criterion the policy combines.'}
          </p>
          {report.decision.sequential.map((s) => (
            <SequentialChart key={s.criterion} e={s} />
          ))}
        </>
      )}
    </>
  );
}

export function EvaluationPage({ params }: { params: Record<string, string> }) {
  const id = params.evaluationId ?? '';
  const me = useIdentity();
  const roles = designationRoles(me);
  const evaluation = useLoad(() => api.get<Evaluation>(`/evaluations/${enc(id)}`), [id]);
  const e = evaluation.data;
  const report = useLoad(
    () => api.get<Report>(`/evaluations/${enc(id)}/report`),
    [id, e?.samples_done, e?.state],
  );
  const [notice, setNotice] = useState<string | null>(null);
  usePolling(e ? isLive(e.state) : false, evaluation.reload);
  const changed = (n: string) => {
    setNotice(n);
    evaluation.reload();
  };

  if (!e) {
    return (
      <>
        <h1 tabIndex={-1}>Evaluation</h1>
        {evaluation.loading ? <Loading what="the evaluation" /> : null}
        <EvaluationError error={evaluation.error} title="The evaluation could not be loaded." />
      </>
    );
  }
  const d = e.decision;
  return (
    <>
      <p>
        <Link to="/evaluations">← Evaluations</Link>
      </p>
      <h1 tabIndex={-1}>Evaluation of {e.gateway_model}</h1>
      <p className="lead">{nextStep(e)}</p>
      <Notice text={notice} />
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <Badge value={e.state} />
          {e.pause_reason && <> {e.pause_reason}</>}
        </dd>
        <dt>Progress</dt>
        <dd>
          <Progress done={e.samples_done} total={e.samples_total} passed={e.samples_passed} label="Samples recorded" />
          {progressText(e)}, {e.samples_passed} passed, {e.infrastructure_errors} infrastructure errors (retried, never
          counted as the model’s)
        </dd>
        <dt>Policy</dt>
        <dd>
          {e.policy_id} v{e.policy_version} <Code>{e.policy_hash}</Code>
        </dd>
        <dt>Suite</dt>
        <dd>
          {e.suite_name} <Code>{e.suite_hash}</Code>
        </dd>
        <dt>Epochs and seed</dt>
        <dd>
          {e.epochs} · seed <Code>{e.seed}</Code>
        </dd>
        <dt>Version, window and inquiry</dt>
        <dd>
          <Code>{e.version_id}</Code> · window <Code>{e.window_id}</Code>
          {e.inquiry_id && (
            <>
              {' '}
              · inquiry <Code>{e.inquiry_id}</Code>
            </>
          )}
        </dd>
        <dt>Started</dt>
        <dd>
          <Time value={e.started_at} /> by <Code>{e.started_by}</Code>
        </dd>
        {e.completed_at && (
          <>
            <dt>Decided</dt>
            <dd>
              <Time value={e.completed_at} />
            </dd>
          </>
        )}
      </dl>
      {roles.evaluator && <Steer e={e} onDone={changed} />}

      <section aria-labelledby="decision-h">
        <h2 id="decision-h">Decision</h2>
        {d ? (
          <>
            <p className={`outcome outcome-${d.decision}`}>
              <strong>{outcomeWords(d.decision)}</strong> under {d.policy.id} v{d.policy.version}, over{' '}
              {e.samples_used} of {e.samples_total} samples
              {d.sequential && e.samples_used < e.samples_total ? ' (decided sequentially, before every sample ran)' : ''}.
            </p>
            <p>{d.rule}</p>
            <div className="table-scroll">
              <table>
                <caption>Criteria</caption>
                <thead>
                  <tr>
                    <th scope="col">Criterion</th>
                    <th scope="col">Threshold</th>
                    <th scope="col">Level</th>
                    <th scope="col">Pass rate</th>
                    <th scope="col">Bounds</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {d.criteria.map((c) => (
                    <tr key={c.id}>
                      <th scope="row">{c.id}</th>
                      <td>{percent(c.threshold)}</td>
                      <td>{c.level}</td>
                      <td>
                        {percent(c.pass_rate.rate)} ({c.pass_rate.tasks} tasks, {c.pass_rate.samples} samples)
                      </td>
                      <td>
                        {percent(c.pass_rate.lower)} to {percent(c.pass_rate.upper)}
                      </td>
                      <td>
                        <Badge value={c.decision} />
                      </td>
                      <td>{c.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {e.samples_sha256 && (
              <p>
                The samples used hash to <Code>{e.samples_sha256}</Code>; the designation names it.
              </p>
            )}
          </>
        ) : (
          <p className="muted">Not decided yet.</p>
        )}
        <EvaluationError error={report.error} title="The report could not be built." />
        {report.data && report.data.samples.samples > 0 && <Figures e={e} report={report.data} />}
      </section>

      <section aria-labelledby="designation-h">
        <h2 id="designation-h">Recommendation and designation</h2>
        {e.recommendation ? (
          <dl className="facts">
            <dt>Recommended</dt>
            <dd>
              <strong>{answerWords(e.recommendation)}</strong>, <Time value={e.recommended_at} /> by{' '}
              <Code>{e.recommended_by}</Code>
            </dd>
            <dt>Rationale</dt>
            <dd className="prose">{e.rationale}</dd>
            {e.designated_at && (
              <>
                <dt>Designated</dt>
                <dd>
                  <Time value={e.designated_at} /> by <Code>{e.designated_by}</Code>
                  {e.designation_note && <div className="prose">{e.designation_note}</div>}
                </dd>
              </>
            )}
          </dl>
        ) : (
          <p className="muted">Nothing recommended yet.</p>
        )}
        {e.state === 'completed' && roles.evaluator && e.outcome !== 'inconclusive' && (
          <RecommendForm e={e} onDone={changed} />
        )}
        {e.state === 'completed' && !roles.evaluator && (
          <EmptyState title="An evaluator recommends.">
            <p>Once an evaluator recommends, a director designates here.</p>
          </EmptyState>
        )}
        {e.state === 'recommended' && roles.director && <DesignateForm e={e} onDone={changed} />}
        {e.state === 'recommended' && !roles.director && (
          <p className="muted">A director who did not recommend designates.</p>
        )}
      </section>

      <section aria-labelledby="samples-h">
        <h2 id="samples-h">Samples</h2>
        {roles.cleared ? (
          <p>
            <a href={`/api/v1/evaluations/${enc(e.id)}/run-log`} download={`${e.id}.run.jsonl.gz`}>
              Download the run log
            </a>{' '}
            of these samples with their transcripts: <code>bulwark eval decide</code> makes the decision again from it,
            and <code>bulwark eval report</code> gives its report. The download is a ledger entry.
          </p>
        ) : (
          <p className="muted">Transcripts are read by people with clearance only; each read is a ledger entry.</p>
        )}
        <SamplesTable e={e} cleared={roles.cleared} />
      </section>
    </>
  );
}
