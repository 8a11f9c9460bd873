// The clearinghouse (docs/clearinghouse.md) as the console sees it: the API's records under
// /api/v1/clearinghouse, which side of it a signed-in organization is on, and its rules in
// words. Pure functions of their arguments, so they are unit-tested.

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
