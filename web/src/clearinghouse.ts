// The clearinghouse (docs/clearinghouse.md) as the console sees it: the API's records under
// /api/v1/clearinghouse, which side of it a signed-in organization is on, and its rules in
// words; the geometry of its charts (open findings by deadline tier over time, time to
// remediate). Pure functions of their arguments, so they are unit-tested; the few calls of the
// API that more than one page makes are at the end.
import { api, enc } from './api';

export type MissionWellBeing = 'low' | 'medium' | 'high';

export interface Asset {
  id: string;
  org_id: string;
  org_name: string;
  name: string;
  environment: string;
  publicly_exposed: boolean;
  mission_well_being: MissionWellBeing;
  created_at: string;
  created_by: string;
  updated_at: string;
  inventory_seq: number;
  components: number;
  active_findings: number;
  overdue_findings: number;
}

export interface Inventory {
  id: string;
  asset_id: string;
  seq: number;
  format: string;
  spec_version: string;
  serial_number: string | null;
  sha256: string;
  components: number;
  matchable: number;
  added: number;
  removed: number;
  opened: number;
  verified_fixed: number;
  uploaded_at: string;
  uploaded_by: string;
  unchanged: boolean;
}

export type FindingState = 'open' | 'in_triage' | 'not_affected' | 'risk_accepted' | 'fixed' | 'verified_fixed';

export type Timeline = '3 days & forensic investigation' | '3 days' | '14 days' | '60 days' | 'fix on system upgrade';

/** The BOD 26-04 timelines, most urgent first. */
export const TIMELINES: Timeline[] = ['3 days & forensic investigation', '3 days', '14 days', '60 days', 'fix on system upgrade'];

export interface PriorityFactor {
  name: string;
  value: string;
  effect: string;
}

export interface Finding {
  id: string;
  org_id: string;
  asset_id: string;
  asset_name: string;
  advisory_id: string;
  cve: string | null;
  cves: string[];
  summary: string;
  severity: string;
  cvss: string | null;
  ecosystem: string;
  package: string;
  version: string;
  purl: string;
  upgrade_to: string | null;
  state: FindingState;
  justification: string | null;
  note: string | null;
  accepted_until: string | null;
  known_at: string;
  updated_at: string;
  updated_by: string;
  closed_at: string | null;
  escalated_at: string | null;
  overdue: boolean;
  timeline: Timeline;
  deadline: string | null;
  cisa_level: string;
  rank: string;
  factors: PriorityFactor[];
}

export interface FindingPage {
  items: Finding[];
  next_cursor: string | null;
}

export interface OperatorSummary {
  org_id: string;
  org_name: string;
  assets: number;
  exposed_assets: number;
  active_findings: number;
  overdue_findings: number;
  by_timeline: Record<Timeline, number>;
  best_rank: string | null;
}

export interface FeedImport {
  id: string;
  feed: 'osv' | 'kev' | 'epss' | 'ssvc';
  source: string;
  state: 'done' | 'failed';
  requested_by: string;
  requested_at: string;
  finished_at: string | null;
  records: number;
  changed: number;
  skipped: number;
  problems: { where: string; reason: string }[];
  error: string | null;
}

/** Which side of the clearinghouse an organization is on. */
export function clearinghouseRole(kind: string): 'operator' | 'clearinghouse' | null {
  if (kind === 'operator') return 'operator';
  if (kind === 'clearinghouse') return 'clearinghouse';
  return null;
}

export const JUSTIFICATIONS: { value: string; label: string }[] = [
  { value: 'component_not_present', label: 'The component is not present' },
  { value: 'vulnerable_code_not_present', label: 'The vulnerable code is not present' },
  { value: 'vulnerable_code_not_in_execute_path', label: 'The vulnerable code is never run' },
  {
    value: 'vulnerable_code_cannot_be_controlled_by_adversary',
    label: 'An adversary cannot reach the vulnerable code',
  },
  { value: 'inline_mitigations_already_exist', label: 'Mitigations in place already prevent it' },
];

/** The states a person may move a finding to from `state` (rules.h). */
export function nextStates(state: FindingState): FindingState[] {
  switch (state) {
    case 'open':
      return ['in_triage', 'not_affected', 'risk_accepted', 'fixed'];
    case 'in_triage':
      return ['not_affected', 'risk_accepted', 'fixed', 'open'];
    case 'risk_accepted':
      return ['fixed', 'open'];
    case 'not_affected':
    case 'fixed':
    case 'verified_fixed':
      return ['open'];
  }
}

export const STATE_LABELS: Record<FindingState, string> = {
  open: 'Open',
  in_triage: 'In triage',
  not_affected: 'Not affected',
  risk_accepted: 'Risk accepted',
  fixed: 'Fixed (reported)',
  verified_fixed: 'Verified fixed',
};

const DAY = 24 * 3600 * 1000;

/** The deadline in words: "in 12 days", "today", "3 days overdue", or none. */
export function deadlineText(deadline: string | null, now = Date.now()): string {
  if (!deadline) return 'none: fix on system upgrade';
  const ms = Date.parse(deadline) - now;
  if (Number.isNaN(ms)) return deadline;
  if (ms < 0) {
    const days = Math.floor(-ms / DAY);
    return days === 0 ? 'overdue today' : `${days} day${days === 1 ? '' : 's'} overdue`;
  }
  const days = Math.floor(ms / DAY);
  if (days === 0) return 'due today';
  return `in ${days} day${days === 1 ? '' : 's'}`;
}

/** Short names of the timelines for charts. */
export function timelineShort(t: Timeline): string {
  return t === '3 days & forensic investigation' ? '3 days + forensics' : t === 'fix on system upgrade' ? 'on upgrade' : t;
}

export type NoticeState = 'sent' | 'acknowledged' | 'remediated' | 'verified';

export interface Notice {
  id: string;
  org_id: string;
  advisory_id: string;
  summary: string;
  created_at: string;
  rank: string;
  timeline: Timeline;
  deadline: string | null;
  overdue: boolean;
  findings: number;
  state: NoticeState;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  remediation: 'fixed' | 'mitigated' | 'not_affected' | null;
  justification: string | null;
  remediation_note: string | null;
  remediated_at: string | null;
  remediated_by: string | null;
  verified_at: string | null;
  deliveries: { pending: number; delivered: number; dead: number };
  signed_note: string;
}

export interface Webhook {
  id: string;
  org_id: string;
  url: string;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
  secret?: string;
}

export interface Delivery {
  id: string;
  notice_id: string;
  advisory_id: string;
  webhook_id: string;
  url: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

/** What a notice still asks of its operator, in words. */
export function noticeNextStep(n: Pick<Notice, 'state' | 'overdue'>): string {
  switch (n.state) {
    case 'sent':
      return n.overdue ? 'Overdue: acknowledge it and report what you did' : 'Acknowledge it';
    case 'acknowledged':
      return n.overdue ? 'Overdue: report what you did' : 'Report what you did';
    case 'remediated':
      return 'Upload an inventory without the versions to verify the fix';
    case 'verified':
      return 'Nothing: a later inventory verified it';
  }
}

/** The signed note's JSON text, or null when it is not one. */
export function noticeText(signedNote: string): Record<string, unknown> | null {
  const end = signedNote.indexOf('\n\n');
  if (end < 0) return null;
  try {
    return JSON.parse(signedNote.slice(0, end)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The days each timeline allows from a finding becoming known to its fix (rules.h). */
export const TIMELINE_ALLOWANCE: Record<Timeline, number | null> = {
  '3 days & forensic investigation': 3,
  '3 days': 3,
  '14 days': 14,
  '60 days': 60,
  'fix on system upgrade': null,
};

/** One UTC day of the trend: the findings open at its end, by timeline, and how many were overdue. */
export interface TrendDay {
  date: string;
  by_timeline: Record<Timeline, number>;
  overdue: number;
}

/** How fast one timeline's findings were remediated: days from known to fixed, fractional. */
export interface Remediation {
  timeline: Timeline;
  remediated: number;
  median_days: number | null;
  p90_days: number | null;
  within_deadline: number;
}

/** GET /api/v1/clearinghouse/trend: one operator's (org_id), or every operator's (null). */
export interface Trend {
  org_id: string | null;
  as_of: string;
  days: TrendDay[];
  remediation: Remediation[];
}

/** The periods the charts offer, in days; the API takes 7 to 365 and answers 90 by default. */
export const TREND_PERIODS = [30, 90, 365] as const;

/** A finding of an escalation: it was still active when its deadline passed. */
export interface EscalatedFinding {
  finding_id: string;
  asset_name: string;
  advisory_id: string;
  package: string;
  version: string;
  timeline: Timeline;
  deadline: string;
}

/** The findings one sweep found past their deadlines, escalated to the operator's admins and the clearinghouse. */
export interface Escalation {
  id: string;
  org_id: string;
  org_name: string;
  created_at: string;
  findings: number;
  earliest_deadline: string;
  items: EscalatedFinding[];
  acknowledged_at: string | null;
  acknowledged_by: string | null;
}

/** "1 finding", "3 findings". */
export function findingsCount(n: number): string {
  return `${n} finding${n === 1 ? '' : 's'}`;
}

/** What an escalation says at its head: "3 findings passed their deadlines". */
export function escalationTitle(e: Pick<Escalation, 'findings'>): string {
  return e.findings === 1 ? '1 finding passed its deadline' : `${e.findings} findings passed their deadlines`;
}

/** A number of days in words, to a tenth under 10: "0.4 days", "1 day", "2.5 days", "37 days". */
export function daysText(days: number): string {
  const v = days < 10 ? Math.round(days * 10) / 10 : Math.round(days);
  return `${v} day${v === 1 ? '' : 's'}`;
}

/** A timeline's remediation in words: "none yet", or "remediated 4, within deadline 3". */
export function remediationText(r: Pick<Remediation, 'remediated' | 'within_deadline'> | undefined): string {
  if (!r || r.remediated === 0) return 'none yet';
  return `remediated ${r.remediated}, within deadline ${r.within_deadline}`;
}

/** The API's remediation entries in the order of TIMELINES, an empty one for a timeline it left out. */
export function remediationRows(items: Remediation[]): Remediation[] {
  return TIMELINES.map(
    (timeline) =>
      items.find((r) => r.timeline === timeline) ?? {
        timeline,
        remediated: 0,
        median_days: null,
        p90_days: null,
        within_deadline: 0,
      },
  );
}

/** Each day's open findings, all timelines together. */
export function openOn(day: TrendDay): number {
  return TIMELINES.reduce((sum, t) => sum + (day.by_timeline[t] ?? 0), 0);
}

/**
 * The trend's days stacked by timeline, the most urgent at the bottom: bands[t][d] is the
 * [bottom, top] of TIMELINES[t] on day d. `max` is the highest total or overdue count, at least 1.
 */
export function stackTrend(days: TrendDay[]): { bands: [number, number][][]; totals: number[]; max: number } {
  const totals = days.map(openOn);
  const bands = TIMELINES.map(() => [] as [number, number][]);
  days.forEach((day) => {
    let bottom = 0;
    TIMELINES.forEach((t, i) => {
      const top = bottom + (day.by_timeline[t] ?? 0);
      bands[i]!.push([bottom, top]);
      bottom = top;
    });
  });
  const max = Math.max(1, ...totals, ...days.map((d) => d.overdue));
  return { bands, totals, max };
}

const fixed = (v: number) => Number(v.toFixed(1));

/** The SVG path of a band between two lines: along its tops left to right, back along its bottoms. */
export function bandPath(xs: number[], band: [number, number][], y: (v: number) => number): string {
  if (xs.length === 0) return '';
  const top = xs.map((x, i) => `${i === 0 ? 'M' : 'L'}${fixed(x)},${fixed(y(band[i]![1]))}`);
  const bottom = xs.map((x, i) => `L${fixed(x)},${fixed(y(band[i]![0]))}`).reverse();
  return `${top.join(' ')} ${bottom.join(' ')} Z`;
}

/** The SVG path of a line through (xs[i], y(values[i])). */
export function linePath(xs: number[], values: number[], y: (v: number) => number): string {
  return xs.map((x, i) => `${i === 0 ? 'M' : 'L'}${fixed(x)},${fixed(y(values[i]!))}`).join(' ');
}

/** Whole-number ticks from 0 to at least `max`, about `count` of them: 1, 2 or 5 times a power of ten apart. */
export function countTicks(max: number, count = 4): number[] {
  const raw = Math.max(1, max / count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t < max + step; t += step) out.push(t);
  return out;
}

/** Which of `n` days get a label on the x axis: at most `count`, evenly spaced, always the last. */
export function dayTicks(n: number, count = 6): number[] {
  if (n <= 0) return [];
  const step = Math.max(1, Math.ceil((n - 1) / (count - 1)));
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i -= step) out.unshift(i);
  return out;
}

/** A date of the trend ("2026-09-06") for an axis: "Sep 6". */
export function dayLabel(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** The trend chart's text alternative: the period, the last day by timeline, the most open on any day. */
export function trendText(days: TrendDay[]): string {
  const last = days[days.length - 1];
  if (!last) return 'No days.';
  const totals = days.map(openOn);
  const peak = totals.indexOf(Math.max(...totals));
  const tiers = TIMELINES.map((t) => `${last.by_timeline[t] ?? 0} ${timelineShort(t)}`).join(', ');
  return (
    `From ${days[0]!.date} to ${last.date} (UTC). On ${last.date}: ${findingsCount(totals[totals.length - 1]!)} open ` +
    `(${tiers}), ${last.overdue} overdue. The most open on one day: ${totals[peak]!}, on ${days[peak]!.date}.`
  );
}

/** The time-to-remediate chart's text alternative, one sentence a timeline. */
export function remediationSummary(items: Remediation[]): string {
  return remediationRows(items)
    .map((r) => {
      const allowance = TIMELINE_ALLOWANCE[r.timeline];
      const parts = [remediationText(r)];
      if (r.remediated > 0 && r.median_days !== null) parts.push(`median ${daysText(r.median_days)}`);
      if (r.remediated > 0 && r.p90_days !== null) parts.push(`90th percentile ${daysText(r.p90_days)}`);
      parts.push(allowance === null ? 'no deadline' : `allowed ${daysText(allowance)}`);
      return `${timelineShort(r.timeline)}: ${parts.join(', ')}.`;
    })
    .join(' ');
}

/**
 * The trend of one operator (orgId), or of every operator (null: the clearinghouse's staff only).
 * The operator goes as ?operator=, as for the findings (docs/clearinghouse.md, the OpenAPI).
 */
export function fetchTrend(orgId: string | null, days: number): Promise<Trend> {
  return api.get<Trend>('/clearinghouse/trend', { operator: orgId, days });
}

/** One operator's escalations (orgId), or every operator's (null), newest first. */
export async function fetchEscalations(orgId: string | null): Promise<Escalation[]> {
  const path = orgId ? `/clearinghouse/operators/${enc(orgId)}/escalations` : '/clearinghouse/escalations';
  return (await api.get<{ items: Escalation[] }>(path)).items;
}

/** Records that the operator has seen an escalation. */
export function acknowledgeEscalation(id: string): Promise<Escalation> {
  return api.post<Escalation>(`/clearinghouse/escalations/${enc(id)}/acknowledge`, {});
}
