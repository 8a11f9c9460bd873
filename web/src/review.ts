// The pre-release review program (docs/review.md) as the console sees it: the API's records
// under /api/v1/review, which part of the program a signed-in organization plays, and the
// program's rules in words. Pure functions of their arguments, so they are unit-tested.
import { ApiError } from './api';

export interface ReviewModel {
  id: string;
  org_id: string;
  name: string;
  description: string;
  created_at: string;
}

export type VersionStatus = 'in_development' | 'under_review' | 'released' | 'withdrawn';
export const VERSION_STATUSES: VersionStatus[] = ['in_development', 'under_review', 'released', 'withdrawn'];

export interface ModelVersion {
  id: string;
  model_id: string;
  org_id: string;
  version: string;
  provider: 'openai' | 'anthropic';
  base_url: string;
  upstream_model: string;
  status: VersionStatus;
  planned_release_at: string | null;
  released_at: string | null;
  has_credential: boolean;
  created_at: string;
  updated_at: string;
}

export type InquiryState = 'submitted' | 'accepted' | 'under_evaluation' | 'answered' | 'withdrawn';

export interface Inquiry {
  id: string;
  version_id: string;
  org_id: string;
  state: InquiryState;
  question: string;
  asked_at: string;
  asked_by: string;
  accepted_at: string | null;
  accepted_by: string | null;
  due_at: string | null;
  answered_at: string | null;
  /** "covered" or "not_covered", once designated. */
  answer: string | null;
  /** The opaque reference of the policy the designation was decided under. */
  policy_ref: string | null;
  designation_id: string | null;
  withdrawn_at: string | null;
}

export type WindowState = 'scheduled' | 'open' | 'closed';

export interface AccessWindow {
  id: string;
  version_id: string;
  org_id: string;
  state: WindowState;
  starts_at: string;
  ends_at: string;
  created_at: string;
  closed_at: string | null;
  close_reason: 'ended' | 'released' | 'withdrawn' | null;
  // The lab's insider-risk settings: the hours of use it states (UTC; null for any hour) and
  // whether a key that raises an alert is suspended at once.
  hours_start: number | null;
  hours_end: number | null;
  suspend_on_alert: boolean;
  // Whether the gateway keeps the content of calls (encrypted, read under the two-person rule),
  // and for how many days from each call.
  retain_content: boolean;
  retention_days: number;
  holds_content: boolean; // content of its calls is kept now, also after it stopped retaining
}

// The settings as the API takes them (POST /review/windows and …/settings).
export interface WindowSettings {
  hours_start?: number;
  hours_end?: number;
  suspend_on_alert: boolean;
  retain_content: boolean;
  retention_days: number;
}

// An insider-risk alert (docs/review.md, "Insider-risk signals"). `kind` is an open list: a kind
// the console does not know is shown by its name.
export type AlertKind =
  | 'usage_above_baseline'
  | 'quota_share'
  | 'new_client_address'
  | 'outside_hours'
  | 'bulk_retained_reads';

export interface ReviewAlert {
  id: string;
  kind: AlertKind | string;
  scope: 'key' | 'organization' | 'reader';
  key_id: string; // empty for a reader of retained content
  key_name: string;
  org_id: string; // the key's organization, or the reader's
  org_name: string;
  lab_org_id: string;
  grant_id: string;
  window_id: string | null; // null under defensive access
  gateway_model: string;
  day: string; // YYYY-MM-DD, UTC
  detail: string;
  key_suspended: boolean;
  created_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
}

export interface Quota {
  requests_per_day: number;
  tokens_per_day: number;
  requests_per_minute: number;
}

// What the server gives a grant when the proposal leaves a limit out.
export const DEFAULT_QUOTA: Quota = { requests_per_day: 1000, tokens_per_day: 1_000_000, requests_per_minute: 60 };

export type Party = 'lab' | 'program_office';

export interface PartnerGrant {
  id: string;
  window_id: string;
  partner_org_id: string;
  partner_org_name: string;
  gateway_model: string; // the window's model as the gateway names it: "<model>/<version>"
  state: 'proposed' | 'active' | 'removed';
  quota: Quota;
  proposed_by_party: Party;
  proposed_by: string;
  proposed_at: string;
  concurred_by: string | null;
  concurred_at: string | null;
  removed_by: string | null;
  removed_at: string | null;
}

export type DefensiveState = 'requested' | 'active' | 'denied' | 'revoked' | 'expired';

// A requester's access to a released model version for defence, approved by the program office
// and the model's lab (docs/review.md, "Defensive access").
export interface DefensiveAccess {
  id: string;
  version_id: string;
  gateway_model: string; // "<model>/<version>"
  lab_org_id: string;
  lab_org_name: string;
  org_id: string; // the requesting organization
  org_name: string;
  purpose: string;
  state: DefensiveState;
  quota: Quota;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  office_approved_by: string | null;
  office_approved_at: string | null;
  lab_approved_by: string | null;
  lab_approved_at: string | null;
  closed_by: string | null;
  closed_at: string | null;
  close_note: string;
}

// A version that may be asked for: released, or designated a covered frontier model.
export interface DefensiveModel {
  version_id: string;
  gateway_model: string;
  lab_org_name: string;
  released_at: string | null;
  covered: boolean;
}

export interface GatewayKey {
  id: string;
  user_id: string;
  org_id: string;
  grant_id: string; // a window's partner grant (wpt_…) or defensive access (dfa_…)
  window_id: string | null; // null under defensive access
  version_id: string;
  gateway_model: string; // the "model" of gateway calls: "<model>/<version>"
  name: string;
  quota: Quota;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  active: boolean;
}

// What a key has used of its daily quota today (UTC).
export interface UsedToday {
  requests: number;
  tokens: number;
}

export interface KeyWithUse extends GatewayKey {
  used_today?: UsedToday;
}

// One partner's calls through the gateway on one UTC day, under one window.
export interface PartnerUsage {
  partner_org_id: string;
  partner_org_name: string;
  day: string; // YYYY-MM-DD
  requests: number;
  tokens: number;
}

export interface IssuedGatewayKey extends GatewayKey {
  secret: string;
}

export interface Items<T> {
  items: T[];
}

// The part of the program an organization plays, from its kind: a lab brings its models, the
// program office runs the program, and everyone else (agencies, operators, partners, the
// clearinghouse) may be chosen as a trusted partner and may request defensive access.
export type ReviewRole = 'lab' | 'program_office' | 'partner';

export function reviewRole(kind: string): ReviewRole {
  if (kind === 'lab') return 'lab';
  if (kind === 'program_office') return 'program_office';
  return 'partner';
}

export function partyName(party: Party): string {
  return party === 'lab' ? 'the lab' : 'the program office';
}

export function otherParty(party: Party): Party {
  return party === 'lab' ? 'program_office' : 'lab';
}

// ---- time ----

const DAY = 86_400_000;
export const MAX_ACCESS_DAYS = 30;

// RFC 3339 in UTC without fractions, as the API writes it.
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The value of an <input type="datetime-local"> (local time) as RFC 3339, or undefined when
// empty or not a date.
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : rfc3339(d);
}

// A moment as an <input type="datetime-local"> value, in local time, to the minute.
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

// A duration as "13 d 4 h 5 min 6 s", from the largest unit that is not zero.
export function duration(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d} d ${h} h ${m} min ${s} s`;
  if (h > 0) return `${h} h ${m} min ${s} s`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

// A window's state at `now`, by the server's rule: closed from closed_at or ends_at,
// scheduled before starts_at, open in between.
export function windowStateAt(w: AccessWindow, now: number): WindowState {
  const ends = Date.parse(w.ends_at);
  // The server records closed_at when the window closes, never ahead: a browser clock behind the
  // server's does not show a withdrawn window open.
  if (w.closed_at || now >= ends) return 'closed';
  if (now < Date.parse(w.starts_at)) return 'scheduled';
  return 'open';
}

// What a window's clock says at `now`: the countdown to its end (or to its start), or why it
// closed.
export function windowClock(w: AccessWindow, now: number): string {
  const state = windowStateAt(w, now);
  if (state === 'scheduled') return `opens in ${duration(Date.parse(w.starts_at) - now)}`;
  if (state === 'open') return `ends in ${duration(Date.parse(w.ends_at) - now)}`;
  switch (w.close_reason) {
    case 'withdrawn':
      return 'closed: withdrawn by the lab';
    case 'released':
      return 'closed: the version was released or withdrawn';
    default:
      return 'closed: its time ended';
  }
}

// ---- defensive access ----

export const MAX_DEFENSIVE_DAYS = 365;
export const DEFAULT_DEFENSIVE_DAYS = 90;

// Defensive access's state at `now`, by the server's rule: a request or an access still live at
// its expires_at has expired.
export function defensiveStateAt(d: DefensiveAccess, now: number): DefensiveState {
  const live = d.state === 'requested' || d.state === 'active';
  return live && now >= Date.parse(d.expires_at) ? 'expired' : d.state;
}

// The parties whose approval a pending request still waits for.
export function defensiveWaitsFor(d: DefensiveAccess, now: number): Party[] {
  if (defensiveStateAt(d, now) !== 'requested') return [];
  const parties: Party[] = [];
  if (!d.lab_approved_at) parties.push('lab');
  if (!d.office_approved_at) parties.push('program_office');
  return parties;
}

// "waits for the lab and the program office", or null when it waits for no one.
export function defensiveWaitsText(d: DefensiveAccess, now: number): string | null {
  const parties = defensiveWaitsFor(d, now);
  return parties.length === 0 ? null : `waits for ${parties.map(partyName).join(' and ')}`;
}

// Whether `party` may still approve or deny the request: it is pending and that party has not
// approved it.
export function canDecide(d: DefensiveAccess, party: Party, now: number): boolean {
  return defensiveWaitsFor(d, now).includes(party);
}

// A day as an <input type="date"> value, in local time.
export function toDateInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// The calendar days from the local day of `now` to the day `value` (an <input type="date">
// value), or undefined when it is not a date.
export function daysUntil(value: string, now: Date): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(day)) return undefined;
  return Math.round((day - Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())) / DAY);
}

// When access asked "until" the day `value` ends: that many whole days from `now`, so the
// longest allowed day is exactly 365 days away whatever daylight saving does in between.
export function accessExpiry(value: string, now: Date): string | undefined {
  const days = daysUntil(value, now);
  return days === undefined ? undefined : rfc3339(new Date(now.getTime() + days * DAY));
}

// The days of access a version's windows have used or will use (each window to its end, or to
// the moment it closed early), leaving out `except` (the window being extended).
export function daysUsed(windows: AccessWindow[], versionId: string, except?: string): number {
  let ms = 0;
  for (const w of windows) {
    if (w.version_id !== versionId || w.id === except) continue;
    const start = Date.parse(w.starts_at);
    const end = w.closed_at ? Math.min(Date.parse(w.closed_at), Date.parse(w.ends_at)) : Date.parse(w.ends_at);
    ms += Math.max(0, end - start);
  }
  return ms / DAY;
}

// An inquiry's clock in words: when it is due, or how late it is.
export function dueClock(q: Inquiry, now: number): string | null {
  if (!q.due_at || q.state === 'answered' || q.state === 'withdrawn') return null;
  const left = Date.parse(q.due_at) - now;
  return left >= 0 ? `due in ${duration(left)}` : `overdue by ${duration(-left)}`;
}

export function quotaText(q: Quota): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return `${n(q.requests_per_day)} requests a day · ${n(q.tokens_per_day)} tokens a day · ${n(q.requests_per_minute)} requests a minute`;
}

export function usedTodayText(used: UsedToday, q: Quota): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return `used today: ${n(used.requests)} of ${n(q.requests_per_day)} requests, ${n(used.tokens)} of ${n(q.tokens_per_day)} tokens`;
}

// ---- insider-risk signals ----

// A UTC hour as "08:00" (24 is "24:00", the end of the day).
export function hourText(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

// A window's stated hours of use in words.
export function hoursText(start: number | null, end: number | null): string {
  if (start === null || end === null) return 'any hour';
  const span = `${hourText(start)} to ${hourText(end)} UTC`;
  return end > start ? span : `${span} (past midnight)`;
}

// Whether UTC hour `hour` (0–23) is within the hours, by the server's rule: start ≤ hour < end,
// or, when the end is not after the start, past midnight.
export function withinHours(start: number, end: number, hour: number): boolean {
  return start < end ? start <= hour && hour < end : hour >= start || hour < end;
}

// What is wrong with hours of use the lab typed, as the server would say it; null when nothing.
export function hoursProblem(start: number, end: number): string | null {
  if (!Number.isInteger(start) || start < 0 || start > 23) return 'The hours start at a whole hour from 00:00 to 23:00.';
  if (!Number.isInteger(end) || end < 1 || end > 24) return 'The hours end at a whole hour from 01:00 to 24:00.';
  if (start === end % 24) return 'The start and the end must differ; for any hour, state no hours.';
  return null;
}

// The hours of use leaving out `hour` and the next one: two hours starting two hours later.
export function hoursLeavingOut(hour: number): { start: number; end: number } {
  return { start: (hour + 2) % 24, end: ((hour + 3) % 24) + 1 };
}

// The settings form's state: whether hours are stated, which, and the suspension choice.
export interface SettingsDraft {
  stated: boolean;
  start: number;
  end: number;
  suspend: boolean;
  retain: boolean;
  retentionDays: number;
}

// How long content is kept unless the lab says otherwise, and at most (the server's rule).
export const DEFAULT_RETENTION_DAYS = 90;
export const MAX_RETENTION_DAYS = 365;

// The form's state for a window's settings (office hours, 08:00 to 18:00, offered when none).
export function settingsDraft(
  w: Pick<AccessWindow, 'hours_start' | 'hours_end' | 'suspend_on_alert' | 'retain_content' | 'retention_days'> | null,
): SettingsDraft {
  const stated = w !== null && w.hours_start !== null && w.hours_end !== null;
  return {
    stated,
    start: stated ? w.hours_start! : 8,
    end: stated ? w.hours_end! : 18,
    suspend: w?.suspend_on_alert ?? false,
    retain: w?.retain_content ?? false,
    retentionDays: w?.retention_days ?? DEFAULT_RETENTION_DAYS,
  };
}

// The body the API takes for the form's state.
export function settingsBody(d: SettingsDraft): WindowSettings {
  const rest = { suspend_on_alert: d.suspend, retain_content: d.retain, retention_days: d.retentionDays };
  return d.stated ? { hours_start: d.start, hours_end: d.end, ...rest } : rest;
}

// What is wrong with a retention the lab typed, as the server would say it; null when nothing.
export function retentionProblem(days: number): string | null {
  return Number.isInteger(days) && days >= 1 && days <= MAX_RETENTION_DAYS
    ? null
    : `Content is kept from 1 to ${MAX_RETENTION_DAYS} days.`;
}

// A window's retention, in words.
export function retentionText(retain: boolean, days: number): string {
  return retain
    ? `The content of each call is kept, encrypted, for ${days} ${days === 1 ? 'day' : 'days'}; reading it takes a second person’s approval, and each read is recorded.`
    : 'The content of calls is not kept; the ledger records each call without it.';
}

const ALERT_KINDS: Record<string, string> = {
  usage_above_baseline: 'Use far above its baseline',
  quota_share: 'Most of a daily quota used',
  new_client_address: 'A new client address',
  outside_hours: 'Use outside the stated hours',
  bulk_retained_reads: 'Many retained calls read',
};

// An alert's kind in words; a kind the console does not know yet, by its name.
export function alertKindText(kind: string): string {
  return ALERT_KINDS[kind] ?? kind.replace(/_/g, ' ');
}

// What an alert is about, in words.
export function alertSubjectText(a: ReviewAlert): string {
  if (a.scope === 'reader') return `a reader of retained content at ${a.org_name}`;
  return a.scope === 'organization' ? `${a.org_name}’s keys under one grant` : `key “${a.key_name}” of ${a.org_name}`;
}

// ---- retained content, read under the two-person rule ----

export type ContentReadState = 'requested' | 'approved' | 'denied' | 'revoked' | 'expired';

// A request to read a window's retained content (docs/review.md, "Retained content").
export interface ContentRead {
  id: string;
  window_id: string;
  lab_org_id: string;
  gateway_model: string;
  partner_org_id: string | null; // one partner's calls; every partner's when null
  partner_org_name: string | null;
  reason: string;
  state: ContentReadState;
  requested_by: string;
  requested_by_name: string;
  requester_org_id: string;
  requested_at: string;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  decision_note: string;
  expires_at: string | null; // approved: readable until then
  closed_by: string | null;
  closed_at: string | null;
  calls_read: number;
}

export interface RetainedCall {
  id: string;
  window_id: string;
  key_id: string;
  key_name: string;
  org_id: string;
  org_name: string;
  user_id: string;
  request_id: string;
  status: number;
  streamed: boolean;
  request_bytes: number;
  response_bytes: number;
  truncated: boolean;
  request_sha256: string;
  response_sha256: string;
  created_at: string;
  purge_at: string;
}

export interface RetainedContent extends RetainedCall {
  request: string;
  response: string;
}

// A request's state at `now`, by the server's rule: a pending one expires after 7 days, an
// approval at its expires_at.
export function contentReadStateAt(r: ContentRead, now: number): ContentReadState {
  if (r.state === 'requested' && now >= Date.parse(r.requested_at) + 7 * 86_400_000) return 'expired';
  if (r.state === 'approved' && (!r.expires_at || now >= Date.parse(r.expires_at))) return 'expired';
  return r.state;
}

// What the person looking can do with a request: read it (its asker, approved), decide on it
// (a second person, pending), or end it (the asker or a party, pending or approved).
export function contentReadActions(r: ContentRead, userId: string, now: number): { read: boolean; decide: boolean; revoke: boolean } {
  const state = contentReadStateAt(r, now);
  const mine = r.requested_by === userId;
  return {
    read: mine && state === 'approved',
    decide: !mine && state === 'requested',
    revoke: state === 'requested' || state === 'approved',
  };
}

// A streamed answer's text: the content of its events' deltas, joined; the body itself when it is
// not a stream of server-sent events.
export function streamedText(body: string): string {
  if (!body.startsWith('data:') && !body.startsWith('event:')) return body;
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') continue;
    try {
      const event = JSON.parse(data) as {
        choices?: { delta?: { content?: string } }[];
        delta?: { text?: string };
      };
      text += event.choices?.[0]?.delta?.content ?? event.delta?.text ?? '';
    } catch {
      // not JSON: leave it out
    }
  }
  return text;
}

// The alerts no one acknowledged yet.
export function unacknowledged(alerts: ReviewAlert[]): ReviewAlert[] {
  return alerts.filter((a) => !a.acknowledged_at);
}

// "2 alerts wait for acknowledgement.", or that none does.
export function alertsWaitingText(alerts: ReviewAlert[]): string {
  const n = unacknowledged(alerts).length;
  if (n === 0) return 'No alert waits for acknowledgement.';
  return n === 1 ? 'One alert waits for acknowledgement.' : `${n} alerts wait for acknowledgement.`;
}

// What the lab chose for a window, in words.
export function suspensionText(suspend: boolean): string {
  return suspend
    ? 'A key whose use raises an alert is suspended at once.'
    : 'A key whose use raises an alert keeps working; the lab and the program office are alerted.';
}

// ---- a window's use by partner and day ----

export type UsageMetric = 'requests' | 'tokens';

export interface UsageChart {
  days: string[]; // oldest first
  partners: string[]; // in order of first appearance
  // values[day][partner]
  values: number[][];
  // the top of the scale: a round number at least the largest value (1 when all are 0)
  max: number;
}

// The smallest of 1, 2, 2.5, 5 × 10^k that is at least `v`.
export function niceCeiling(v: number): number {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// The API's usage rows as one group of bars per day, one bar per partner.
export function usageChart(items: PartnerUsage[], metric: UsageMetric): UsageChart {
  const days: string[] = [];
  const partners: string[] = [];
  for (const u of items) {
    if (!days.includes(u.day)) days.push(u.day);
    if (!partners.includes(u.partner_org_id)) partners.push(u.partner_org_id);
  }
  days.sort();
  const values = days.map(() => partners.map(() => 0));
  let top = 0;
  for (const u of items) {
    const row = values[days.indexOf(u.day)]!;
    const i = partners.indexOf(u.partner_org_id);
    row[i] = row[i]! + u[metric];
    top = Math.max(top, row[i]!);
  }
  return { days, partners, values, max: niceCeiling(top) };
}

// ---- the program's rules in words ----

const RULES: Record<string, string> = {
  window_at_most_30_days:
    'A model version gets at most 30 days of access in total, over all its windows and extensions. Choose an earlier end: the message above says the latest one allowed.',
  window_end_after_start: 'A window must end after it starts: choose a later end.',
  window_in_the_future: 'A window must end in the future: choose a later end.',
  one_window_at_a_time:
    'This version already has a window that is not closed. Extend that window instead of opening another one.',
  extension_later: 'An extension only moves the end later. To end access earlier, withdraw the window.',
  extend_open_window: 'A closed window cannot be extended. Open a new one, within the version’s 30 days.',
  withdraw_open_window: 'The window is already closed: its keys no longer work.',
  window_before_release: 'Access windows are for versions that are not yet released or withdrawn.',
  inquiry_before_release: 'Inquiries are about versions that are not yet released or withdrawn.',
  inquiry_transition: 'The inquiry has moved on meanwhile: reload the page to see its state.',
  separation_of_duties:
    'Separation of duties: the party that proposed a partner cannot also concur with it. The other party (the lab or the program office) must concur.',
  partner_transition: 'Only a proposed partner can be concurred with, and a removed partner stays removed.',
  partners_of_open_window: 'Partners are proposed and concurred with only while the window is not closed.',
  partner_kind:
    'A trusted partner is an agency, an operator, a partner or a clearinghouse; never a lab or the program office.',
  keys_under_active_grant:
    'Gateway keys are issued only under an active grant (concurred by both parties) on a window that is not closed, or under active defensive access (approved by both parties).',
  version_status_final: 'Released and withdrawn are final. Register a new version instead.',
  window_hours:
    'Hours of use are whole UTC hours: from 00:00–23:00 until 01:00–24:00, and not the same. For any hour, state no hours.',
  settings_of_open_window: 'A closed window keeps its settings: its keys no longer work.',
  alert_acknowledged: 'Someone acknowledged this alert meanwhile: reload the page to see who.',
  lab_registers_models: 'Only a lab registers models.',
  defensive_access_at_most_365_days:
    'Defensive access lasts at most 365 days from the request. Choose an earlier date; to go on after it, ask again.',
  defensive_access_ends_later: 'Access must end in the future: choose a later date.',
  one_defensive_access_per_version:
    'Your organization already has a request waiting for approval, or active access, for this version: see the table above. Ask again once it has ended.',
  defensive_access_released_models:
    'Defensive access is for released models. Early access to a version under review goes through an access window’s trusted partners.',
  defensive_access_requester:
    'Agencies, operators, partners and clearinghouses request defensive access; the labs and the program office approve it.',
  defensive_access_transition:
    'The request has moved on meanwhile (approved by your side, decided, revoked or expired): reload the page to see its state.',
};

// The same rules where defensive access gives them another meaning.
const DEFENSIVE_RULES: Record<string, string> = {
  separation_of_duties:
    'Separation of duties: the program office and the lab decide on a request, never the organization that made it, and one person never approves for both parties.',
};

// What to do about a refusal of the review API, in words, when the error names a rule;
// `about` names the part of the program the refused call was in when a rule means more there.
export function explainRule(error: unknown, about?: 'defensive'): string | null {
  if (!(error instanceof ApiError)) return null;
  const rule = error.details.rule;
  if (typeof rule === 'string' && about === 'defensive' && DEFENSIVE_RULES[rule]) return DEFENSIVE_RULES[rule]!;
  if (typeof rule === 'string' && RULES[rule]) return RULES[rule]!;
  if (error.status === 404) return 'It does not exist, or your organization may not see it.';
  return null;
}
