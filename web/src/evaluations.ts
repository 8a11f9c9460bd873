// Designation (docs/evaluations.md) as the console sees it: the API's records under
// /api/v1/evaluations, who may do what in it (the platform relations evaluator, director,
// auditor and cleared), the report's JSON (docs/reports.md, bulwark-report-1) and the rules in
// words. Pure functions of their arguments, so they are unit-tested.
import { ApiError, type Identity } from './api';

export type EvaluationState = 'running' | 'paused' | 'completed' | 'cancelled' | 'recommended' | 'designated';
export type Outcome = 'exceeds' | 'below' | 'inconclusive';

export interface Rate {
  rate: number;
  tasks: number;
  samples: number;
  standard_error: number;
  level: number;
  lower: number;
  upper: number;
  method: string;
}

export interface CriterionDecision {
  id: string;
  metric: string;
  threshold: number;
  level: number;
  decision: Outcome;
  reason: string;
  pass_rate: Rate;
  log_evidence_above?: number;
  log_evidence_below?: number;
}

// The decision as the evaluation keeps it (`bulwark eval decide --format json`).
export interface EvaluationDecision {
  decision: Outcome;
  rule: string;
  policy: { id: string; version: number; hash: string };
  criteria: CriterionDecision[];
  sequential: boolean;
  samples_used: number;
  tasks_to_settle: number;
}

export interface Evaluation {
  id: string;
  version_id: string;
  lab_org_id: string;
  gateway_model: string;
  window_id: string;
  inquiry_id: string | null;
  policy_hash: string;
  policy_id: string;
  policy_version: number;
  suite_hash: string;
  suite_name: string;
  epochs: number;
  seed: string;
  state: EvaluationState;
  pause_reason: string | null;
  samples_total: number;
  samples_done: number;
  samples_passed: number;
  infrastructure_errors: number;
  started_by: string;
  started_at: string;
  updated_at: string;
  completed_at: string | null;
  outcome: Outcome | null;
  samples_used: number;
  samples_sha256: string | null;
  decision: EvaluationDecision | null;
  recommendation: 'covered' | 'not_covered' | null;
  rationale: string | null;
  recommended_by: string | null;
  recommended_at: string | null;
  designated_by: string | null;
  designated_at: string | null;
  designation_note: string | null;
}

export interface EvaluationSample {
  position: number;
  task_id: string;
  epoch: number;
  recorded: boolean;
  end: string | null;
  passed: boolean;
  attempts: number;
  messages: number;
  input_tokens: number;
  output_tokens: number;
  milliseconds: number;
  transcript_sha256: string | null;
  infrastructure_errors: number;
  last_error: string | null;
  recorded_at: string | null;
}

export interface RegisteredPolicy {
  hash: string;
  policy_id: string;
  version: number;
  description: string;
  sequential: boolean;
  suite_hashes: string[];
  registered_at: string;
  registered_by: string;
}

// One task's validity checks (evals/validity.h): the reference solution must pass, a null agent
// and a flag-hunting agent must fail.
export interface TaskValidity {
  task: string;
  category: string;
  difficulty: string;
  verdict: 'valid' | 'invalid' | 'error';
  reason: string;
  seconds: number;
}

export interface ValidityReport {
  all_valid: boolean;
  valid: number;
  invalid: number;
  errors: number;
  seconds: number;
  tasks: TaskValidity[];
}

export interface StoredSuite {
  hash: string;
  name: string;
  version: string;
  description: string;
  tasks: number;
  imported_at: string;
  imported_by: string;
  validity: 'checking' | 'valid' | 'invalid' | 'error';
  validity_report: ValidityReport | null;
  checked_at: string | null;
}

export interface TranscriptEntry {
  kind: string;
  text: string;
  tool?: string;
  call_id?: string;
  exit_code?: number;
  timed_out?: boolean;
}

// The parts of a report (bulwark-report-1) the console draws.
export interface GroupRate {
  group: string;
  pass_rate: Rate;
}

export interface SequentialEvidence {
  criterion: string;
  threshold: number;
  alpha: number;
  log_bar: number;
  samples: number;
  passes: number;
  call: 'exceeds' | 'below' | 'continue';
  for_information: boolean;
  first_call: { call: string; samples: number; passes: number } | null;
  points: [number, number, number | null, number | null][];
}

export interface Report {
  format: 'bulwark-report-1';
  samples: { samples: number; passed: number; failed: number; infrastructure_errors: number };
  pass_rate: Rate;
  by_category: GroupRate[] | null;
  by_difficulty: GroupRate[] | null;
  decision: {
    outcome: Outcome;
    rule: string;
    criteria: { id: string; threshold: number; level: number; outcome: Outcome; reason: string; pass_rate: Rate }[];
    sequential: SequentialEvidence[];
  } | null;
}

// What the signed-in person may do in designation: the platform relations they hold.
export interface DesignationRoles {
  evaluator: boolean; // registers policies, imports suites, starts, steers and recommends
  director: boolean; // designates (not what they recommended)
  auditor: boolean; // reads
  cleared: boolean; // reads tasks and transcripts
}

export function designationRoles(identity: Identity | null | undefined): DesignationRoles {
  const held = new Set(
    (identity?.grants ?? [])
      .filter((t) => t.object === 'platform' && t.state === 'active')
      .map((t) => t.relation),
  );
  return {
    evaluator: held.has('evaluator'),
    director: held.has('director'),
    auditor: held.has('auditor'),
    cleared: held.has('cleared'),
  };
}

export function canReadEvaluations(r: DesignationRoles): boolean {
  return r.evaluator || r.director || r.auditor;
}

// "12 of 72 samples (17%)".
export function progressText(e: Pick<Evaluation, 'samples_done' | 'samples_total'>): string {
  const percent = e.samples_total > 0 ? Math.floor((100 * e.samples_done) / e.samples_total) : 0;
  return `${e.samples_done} of ${e.samples_total} samples (${percent}%)`;
}

export function isLive(state: EvaluationState): boolean {
  return state === 'running';
}

export function outcomeWords(outcome: Outcome | null | undefined): string {
  switch (outcome) {
    case 'exceeds':
      return 'Exceeds the threshold';
    case 'below':
      return 'Below the threshold';
    case 'inconclusive':
      return 'Inconclusive';
    default:
      return 'Not decided yet';
  }
}

// The recommendation the policy's outcome allows: covered on exceeds, not covered on below,
// none on inconclusive (run more samples under the same policy).
export function allowedRecommendation(outcome: Outcome | null | undefined): 'covered' | 'not_covered' | null {
  if (outcome === 'exceeds') return 'covered';
  if (outcome === 'below') return 'not_covered';
  return null;
}

export function answerWords(answer: string | null | undefined): string {
  if (answer === 'covered') return 'Covered frontier model';
  if (answer === 'not_covered') return 'Not covered';
  return answer ?? '';
}

// What comes next for an evaluation, in a sentence.
export function nextStep(e: Evaluation): string {
  switch (e.state) {
    case 'running':
      return 'Samples are running through the gateway; the decision is made as soon as the policy can make it.';
    case 'paused':
      return `Paused${e.pause_reason ? `: ${e.pause_reason}` : ''}. An evaluator resumes it once the version has an open access window.`;
    case 'completed':
      return e.outcome === 'inconclusive'
        ? 'Inconclusive: nothing can be recommended. Run more samples under the same policy.'
        : 'Decided. An evaluator recommends, with a written rationale.';
    case 'recommended':
      return 'Recommended. A director who did not recommend it designates, which answers the lab’s inquiry.';
    case 'designated':
      return 'Designated. The lab’s inquiry is answered with the outcome, the date and an opaque policy reference.';
    case 'cancelled':
      return 'Cancelled. Its samples are kept; nothing was decided.';
  }
}

// A rate as a percentage with one decimal: "36.8%".
export function percent(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}

// The short SHA-256 of a content hash ("sha256:0123…" → "0123456789ab").
export function shortHash(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}

// The rules of designation in words, by the rule the API names.
const RULES: Record<string, string> = {
  policy_preregistered: 'An evaluation runs only under a policy registered before it: register the policy on the Policies page first.',
  policy_registered_once:
    'A registered policy never changes. Give the changed policy a new version number and register that.',
  policy_names_suite: 'The policy names its suites by content hash, and this suite is not one of them.',
  policy_suite_imported: 'None of the suites the policy names is imported: import one on the Suites page.',
  suite_validated:
    'Only a suite whose every task passed its validity checks is evaluated. The Suites page shows which tasks failed and why.',
  evaluation_needs_open_window:
    'An evaluation runs under the version’s open access window. The lab opens one on its Windows page.',
  evaluation_state: 'That step does not follow from the evaluation’s state now; the page shows what comes next.',
  recommendation_follows_policy:
    'The recommendation follows the policy’s decision: covered when it exceeds, not covered when it is below, nothing when inconclusive.',
  separation_of_duties: 'The person who recommended may not designate: another director designates.',
};

export function explainEvaluationRule(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  const rule = error.details.rule;
  if (typeof rule === 'string' && RULES[rule]) return RULES[rule]!;
  if (error.status === 403) return 'Your platform relations do not allow this: ask an administrator.';
  if (error.status === 404) return 'It does not exist, or you may not see it.';
  return null;
}
