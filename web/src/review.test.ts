// The review program's clocks, the 30-day allowance and the rules in words, as the console
// shows them (docs/review.md).
import { describe, expect, test, vi } from 'vitest';

vi.hoisted(() => {
  // api.ts reads the CSRF token from sessionStorage when it loads.
  const store = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };
  Object.assign(globalThis, { sessionStorage: store });
});

import { ApiError } from './api';
import {
  accessExpiry,
  alertKindText,
  alertsWaitingText,
  alertSubjectText,
  hoursLeavingOut,
  hoursProblem,
  hoursText,
  hourText,
  settingsBody,
  settingsDraft,
  contentReadActions,
  contentReadStateAt,
  retentionProblem,
  retentionText,
  streamedText,
  type ContentRead,
  suspensionText,
  unacknowledged,
  withinHours,
  type ReviewAlert,
  canDecide,
  daysUntil,
  daysUsed,
  defensiveStateAt,
  defensiveWaitsFor,
  defensiveWaitsText,
  dueClock,
  duration,
  explainRule,
  fromLocalInput,
  niceCeiling,
  quotaText,
  reviewRole,
  rfc3339,
  toDateInput,
  toLocalInput,
  usageChart,
  usedTodayText,
  windowClock,
  windowStateAt,
  type AccessWindow,
  type DefensiveAccess,
  type Inquiry,
} from './review';

const DAY = 86_400_000;
const T0 = Date.parse('2027-01-10T12:00:00Z');

function win(fields: Partial<AccessWindow>): AccessWindow {
  return {
    id: 'win_a',
    version_id: 'mdv_a',
    org_id: 'org_lab',
    state: 'open',
    starts_at: new Date(T0 - DAY).toISOString(),
    ends_at: new Date(T0 + 2 * DAY).toISOString(),
    created_at: new Date(T0 - DAY).toISOString(),
    closed_at: null,
    close_reason: null,
    hours_start: null,
    hours_end: null,
    suspend_on_alert: false,
    retain_content: false,
    retention_days: 90,
    holds_content: false,
    ...fields,
  };
}

describe('review program', () => {
  test('the part an organization plays comes from its kind', () => {
    expect(reviewRole('lab')).toBe('lab');
    expect(reviewRole('program_office')).toBe('program_office');
    for (const kind of ['agency', 'operator', 'partner', 'clearinghouse']) expect(reviewRole(kind)).toBe('partner');
  });

  test('durations count down from the largest unit', () => {
    expect(duration(0)).toBe('0 s');
    expect(duration(59_999)).toBe('59 s');
    expect(duration(61_000)).toBe('1 min 1 s');
    expect(duration(3_600_000)).toBe('1 h 0 min 0 s');
    expect(duration(14 * DAY - 1000)).toBe('13 d 23 h 59 min 59 s');
    expect(duration(-5000)).toBe('0 s');
  });

  test('a window is scheduled, open, then closed at its end or when withdrawn', () => {
    const w = win({ starts_at: new Date(T0 + DAY).toISOString(), ends_at: new Date(T0 + 3 * DAY).toISOString() });
    expect(windowStateAt(w, T0)).toBe('scheduled');
    expect(windowClock(w, T0)).toBe('opens in 1 d 0 h 0 min 0 s');
    expect(windowStateAt(w, T0 + DAY)).toBe('open');
    expect(windowClock(w, T0 + DAY + 1000)).toBe('ends in 1 d 23 h 59 min 59 s');
    expect(windowStateAt(w, T0 + 3 * DAY)).toBe('closed');
    expect(windowClock(w, T0 + 3 * DAY)).toBe('closed: its time ended');
    const withdrawn = win({ closed_at: new Date(T0).toISOString(), close_reason: 'withdrawn' });
    expect(windowStateAt(withdrawn, T0 - 1000)).toBe('closed'); // a browser clock behind the server's
    expect(windowStateAt(withdrawn, T0)).toBe('closed');
    expect(windowClock(withdrawn, T0)).toBe('closed: withdrawn by the lab');
  });

  test('days used count each window to its end or to when it closed early', () => {
    const windows = [
      win({ id: 'w1', starts_at: new Date(T0 - 20 * DAY).toISOString(), ends_at: new Date(T0 - 10 * DAY).toISOString() }),
      win({
        id: 'w2',
        starts_at: new Date(T0 - 9 * DAY).toISOString(),
        ends_at: new Date(T0 - 1 * DAY).toISOString(),
        closed_at: new Date(T0 - 7 * DAY).toISOString(),
      }),
      win({ id: 'w3', starts_at: new Date(T0).toISOString(), ends_at: new Date(T0 + 5 * DAY).toISOString() }),
      win({ id: 'other', version_id: 'mdv_b', ends_at: new Date(T0 + 20 * DAY).toISOString() }),
    ];
    expect(daysUsed(windows, 'mdv_a')).toBe(17);
    expect(daysUsed(windows, 'mdv_a', 'w3')).toBe(12);
    expect(daysUsed(windows, 'mdv_c')).toBe(0);
  });

  test('an accepted inquiry is due, then overdue; answered ones have no clock', () => {
    const q = { state: 'accepted', due_at: new Date(T0 + DAY).toISOString() } as Inquiry;
    expect(dueClock(q, T0)).toBe('due in 1 d 0 h 0 min 0 s');
    expect(dueClock(q, T0 + DAY + 60_000)).toBe('overdue by 1 min 0 s');
    expect(dueClock({ ...q, state: 'answered' }, T0)).toBeNull();
    expect(dueClock({ ...q, due_at: null }, T0)).toBeNull();
  });

  test('form dates become RFC 3339 in UTC', () => {
    expect(rfc3339(new Date(T0 + 123))).toBe('2027-01-10T12:00:00Z');
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('not a date')).toBeUndefined();
    const local = toLocalInput(new Date(T0));
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(fromLocalInput(local)).toBe('2027-01-10T12:00:00Z');
  });

  test('quotas read as words', () => {
    expect(quotaText({ requests_per_day: 500, tokens_per_day: 2_000_000, requests_per_minute: 60 })).toBe(
      '500 requests a day · 2,000,000 tokens a day · 60 requests a minute',
    );
  });

  test('refusals that name a rule are explained in words', () => {
    const cap = new ApiError(400, {
      code: 'invalid_argument',
      message: 'a model version gets at most 30 days of access in total',
      details: { rule: 'window_at_most_30_days' },
    });
    expect(explainRule(cap)).toMatch(/at most 30 days of access in total/);
    const sod = new ApiError(403, {
      code: 'permission_denied',
      message: 'separation of duties',
      details: { rule: 'separation_of_duties' },
    });
    expect(explainRule(sod)).toMatch(/^Separation of duties: the party that proposed a partner cannot also concur/);
    expect(explainRule(new ApiError(404, { code: 'not_found', message: 'no window' }))).toMatch(/does not exist/);
    expect(explainRule(new ApiError(400, { code: 'invalid_argument', message: 'x', details: { rule: 'unknown' } }))).toBeNull();
    expect(explainRule(new Error('x'))).toBeNull();
  });
});

describe('a window’s use by partner', () => {
  const items = [
    { partner_org_id: 'org_a', partner_org_name: 'A', day: '2026-12-03', requests: 3, tokens: 1200 },
    { partner_org_id: 'org_b', partner_org_name: 'B', day: '2026-12-03', requests: 7, tokens: 40 },
    { partner_org_id: 'org_b', partner_org_name: 'B', day: '2026-12-01', requests: 1, tokens: 5 },
  ];

  test('one group per day, oldest first, one bar per partner; missing ones are 0', () => {
    const c = usageChart(items, 'requests');
    expect(c.days).toEqual(['2026-12-01', '2026-12-03']);
    expect(c.partners).toEqual(['org_a', 'org_b']);
    expect(c.values).toEqual([
      [0, 1],
      [3, 7],
    ]);
    expect(c.max).toBe(10);
    expect(usageChart(items, 'tokens').values).toEqual([
      [0, 5],
      [1200, 40],
    ]);
    expect(usageChart(items, 'tokens').max).toBe(2000);
    expect(usageChart([], 'requests')).toEqual({ days: [], partners: [], values: [], max: 1 });
  });

  test('the scale tops at a round number', () => {
    expect([0, 1, 2, 3, 11, 21, 24, 26, 51, 100, 101].map(niceCeiling)).toEqual([
      1, 1, 2, 5, 20, 25, 25, 50, 100, 100, 200,
    ]);
  });

  test('a key’s use of today’s quota in words', () => {
    expect(
      usedTodayText({ requests: 1, tokens: 2048 }, { requests_per_day: 500, tokens_per_day: 1_000_000, requests_per_minute: 60 }),
    ).toBe('used today: 1 of 500 requests, 2,048 of 1,000,000 tokens');
  });
});

describe('defensive access', () => {
  function access(fields: Partial<DefensiveAccess>): DefensiveAccess {
    return {
      id: 'dfa_a',
      version_id: 'mdv_a',
      gateway_model: 'Atlas/0.9',
      lab_org_id: 'org_lab',
      lab_org_name: 'Frontier Lab',
      org_id: 'org_bank',
      org_name: 'Community Bank',
      purpose: 'Triage',
      state: 'requested',
      quota: { requests_per_day: 1000, tokens_per_day: 1_000_000, requests_per_minute: 60 },
      requested_by: 'usr_ben',
      requested_at: new Date(T0 - DAY).toISOString(),
      expires_at: new Date(T0 + 90 * DAY).toISOString(),
      office_approved_by: null,
      office_approved_at: null,
      lab_approved_by: null,
      lab_approved_at: null,
      closed_by: null,
      closed_at: null,
      close_note: '',
      ...fields,
    };
  }

  test('a request waits for each party that has not approved it', () => {
    const fresh = access({});
    expect(defensiveWaitsFor(fresh, T0)).toEqual(['lab', 'program_office']);
    expect(defensiveWaitsText(fresh, T0)).toBe('waits for the lab and the program office');
    expect(canDecide(fresh, 'lab', T0)).toBe(true);
    expect(canDecide(fresh, 'program_office', T0)).toBe(true);

    const byLab = access({ lab_approved_by: 'usr_lee', lab_approved_at: new Date(T0).toISOString() });
    expect(defensiveWaitsText(byLab, T0)).toBe('waits for the program office');
    expect(canDecide(byLab, 'lab', T0)).toBe(false);
    expect(canDecide(byLab, 'program_office', T0)).toBe(true);

    const byOffice = access({ office_approved_by: 'usr_pat', office_approved_at: new Date(T0).toISOString() });
    expect(defensiveWaitsText(byOffice, T0)).toBe('waits for the lab');
  });

  test('active, denied and revoked access waits for no one', () => {
    for (const state of ['active', 'denied', 'revoked'] as const) {
      const d = access({ state });
      expect(defensiveWaitsFor(d, T0)).toEqual([]);
      expect(defensiveWaitsText(d, T0)).toBeNull();
      expect(canDecide(d, 'lab', T0)).toBe(false);
    }
  });

  test('a live request or access expires at its end; a decided one keeps its state', () => {
    const ends = T0 + 90 * DAY;
    expect(defensiveStateAt(access({ state: 'active' }), ends - 1)).toBe('active');
    expect(defensiveStateAt(access({ state: 'active' }), ends)).toBe('expired');
    expect(defensiveStateAt(access({}), ends)).toBe('expired');
    expect(canDecide(access({}), 'lab', ends)).toBe(false);
    expect(defensiveStateAt(access({ state: 'revoked' }), ends)).toBe('revoked');
    expect(defensiveStateAt(access({ state: 'denied' }), ends + DAY)).toBe('denied');
  });

  test('"access until" a day is that many whole days from now', () => {
    const now = new Date(2027, 0, 10, 15, 30, 5); // local time
    expect(toDateInput(now)).toBe('2027-01-10');
    expect(daysUntil('2027-01-10', now)).toBe(0);
    expect(daysUntil('2027-04-10', now)).toBe(90);
    expect(daysUntil('2028-01-10', now)).toBe(365);
    expect(daysUntil('2027-01-09', now)).toBe(-1);
    expect(daysUntil('', now)).toBeUndefined();
    expect(daysUntil('10/04/2027', now)).toBeUndefined();
    expect(accessExpiry('2028-01-10', now)).toBe(rfc3339(new Date(now.getTime() + 365 * DAY)));
    expect(accessExpiry('2027-01-11', now)).toBe(rfc3339(new Date(now.getTime() + DAY)));
    expect(accessExpiry('', now)).toBeUndefined();
  });

  test('defensive refusals are explained in words', () => {
    const long = new ApiError(400, {
      code: 'invalid_argument',
      message: 'defensive access lasts at most 365 days from its request',
      details: { rule: 'defensive_access_at_most_365_days' },
    });
    expect(explainRule(long, 'defensive')).toMatch(/at most 365 days from the request/);
    const sod = new ApiError(403, {
      code: 'permission_denied',
      message: 'the program office and the lab decide on a request; the requester does not',
      details: { rule: 'separation_of_duties' },
    });
    expect(explainRule(sod, 'defensive')).toMatch(/never the organization that made it/);
    expect(explainRule(sod)).toMatch(/proposed a partner/);
  });
});

describe('insider-risk signals', () => {
  function alert(fields: Partial<ReviewAlert>): ReviewAlert {
    return {
      id: 'ral_a',
      kind: 'outside_hours',
      scope: 'key',
      key_id: 'gwk_a',
      key_name: 'laptop',
      org_id: 'org_h',
      org_name: 'Rural Hospital',
      lab_org_id: 'org_lab',
      grant_id: 'wpt_a',
      window_id: 'win_a',
      gateway_model: 'Atlas/1.0',
      day: '2027-01-10',
      detail: 'Key “laptop” (gwk_a) was used at 03:07 UTC, outside the hours the lab stated for the window: 08:00 to 18:00 UTC.',
      key_suspended: false,
      created_at: new Date(T0).toISOString(),
      acknowledged_by: null,
      acknowledged_at: null,
      ...fields,
    };
  }

  test('hours of use are UTC hours, past midnight when the end is not after the start', () => {
    expect(hourText(8)).toBe('08:00');
    expect(hourText(24)).toBe('24:00');
    expect(hoursText(null, null)).toBe('any hour');
    expect(hoursText(8, 18)).toBe('08:00 to 18:00 UTC');
    expect(hoursText(22, 6)).toBe('22:00 to 06:00 UTC (past midnight)');
    expect(withinHours(8, 18, 7)).toBe(false);
    expect(withinHours(8, 18, 8)).toBe(true);
    expect(withinHours(8, 18, 17)).toBe(true);
    expect(withinHours(8, 18, 18)).toBe(false);
    expect(withinHours(22, 6, 23)).toBe(true);
    expect(withinHours(22, 6, 5)).toBe(true);
    expect(withinHours(22, 6, 6)).toBe(false);
    expect(withinHours(20, 24, 23)).toBe(true);
  });

  test('hours the server would refuse are caught before sending', () => {
    expect(hoursProblem(8, 18)).toBeNull();
    expect(hoursProblem(22, 6)).toBeNull();
    expect(hoursProblem(0, 24)).toMatch(/must differ/);
    expect(hoursProblem(9, 9)).toMatch(/must differ/);
    expect(hoursProblem(24, 5)).toMatch(/00:00 to 23:00/);
    expect(hoursProblem(3, 0)).toMatch(/01:00 to 24:00/);
  });

  test('hours that leave out the present hour and the next', () => {
    for (let hour = 0; hour < 24; hour++) {
      const { start, end } = hoursLeavingOut(hour);
      expect(hoursProblem(start, end)).toBeNull();
      expect(withinHours(start, end, hour)).toBe(false);
      expect(withinHours(start, end, (hour + 1) % 24)).toBe(false);
    }
  });

  test('the settings form reads a window and writes the API’s body', () => {
    const offered = settingsDraft(null);
    expect(offered).toEqual({ stated: false, start: 8, end: 18, suspend: false, retain: false, retentionDays: 90 });
    expect(settingsBody(offered)).toEqual({ suspend_on_alert: false, retain_content: false, retention_days: 90 });
    const stated = settingsDraft(
      win({ hours_start: 22, hours_end: 6, suspend_on_alert: true, retain_content: true, retention_days: 30 }),
    );
    expect(stated).toEqual({ stated: true, start: 22, end: 6, suspend: true, retain: true, retentionDays: 30 });
    expect(settingsBody(stated)).toEqual({
      hours_start: 22,
      hours_end: 6,
      suspend_on_alert: true,
      retain_content: true,
      retention_days: 30,
    });
    expect(retentionProblem(30)).toBeNull();
    expect(retentionProblem(0)).toMatch(/1 to 365 days/);
    expect(retentionProblem(366)).toMatch(/1 to 365 days/);
    expect(retentionProblem(2.5)).toMatch(/1 to 365 days/);
    expect(retentionText(true, 1)).toMatch(/for 1 day;.*second person/);
    expect(retentionText(false, 90)).toMatch(/not kept/);
    expect(suspensionText(true)).toMatch(/suspended at once/);
    expect(suspensionText(false)).toMatch(/keeps working/);
  });

  test('alerts read in words, and those waiting are counted', () => {
    expect(alertKindText('usage_above_baseline')).toBe('Use far above its baseline');
    expect(alertKindText('quota_share')).toBe('Most of a daily quota used');
    expect(alertKindText('new_client_address')).toBe('A new client address');
    expect(alertKindText('outside_hours')).toBe('Use outside the stated hours');
    expect(alertKindText('bulk_retained_reads')).toBe('Many retained calls read');
    expect(alertKindText('model_exfiltration')).toBe('model exfiltration'); // a kind to come
    expect(alertSubjectText(alert({}))).toBe('key “laptop” of Rural Hospital');
    expect(alertSubjectText(alert({ scope: 'organization' }))).toBe('Rural Hospital’s keys under one grant');
    expect(alertSubjectText(alert({ scope: 'reader', key_id: '', org_name: 'Frontier Lab' }))).toBe(
      'a reader of retained content at Frontier Lab',
    );
    const seen = alert({ id: 'ral_b', acknowledged_at: new Date(T0).toISOString(), acknowledged_by: 'usr_a' });
    expect(unacknowledged([alert({}), seen]).map((a) => a.id)).toEqual(['ral_a']);
    expect(alertsWaitingText([seen])).toBe('No alert waits for acknowledgement.');
    expect(alertsWaitingText([alert({}), seen])).toBe('One alert waits for acknowledgement.');
    expect(alertsWaitingText([alert({}), alert({ id: 'ral_c' })])).toBe('2 alerts wait for acknowledgement.');
  });

  test('refusals about settings and alerts are explained in words', () => {
    const hours = new ApiError(400, {
      code: 'invalid_argument',
      message: 'hours_start and hours_end must differ; leave both out for any hour',
      details: { field: 'hours_end', rule: 'window_hours' },
    });
    expect(explainRule(hours)).toMatch(/whole UTC hours/);
    const twice = new ApiError(409, {
      code: 'failed_precondition',
      message: 'the alert was already acknowledged',
      details: { rule: 'alert_acknowledged' },
    });
    expect(explainRule(twice)).toMatch(/acknowledged this alert meanwhile/);
  });

  test('a request to read retained content: who may do what, and when it expires', () => {
    const read: ContentRead = {
      id: 'crd_a',
      window_id: 'win_a',
      lab_org_id: 'org_lab',
      gateway_model: 'Atlas/2.0',
      partner_org_id: null,
      partner_org_name: null,
      reason: 'misuse report',
      state: 'requested',
      requested_by: 'usr_asker',
      requested_by_name: 'Asker',
      requester_org_id: 'org_lab',
      requested_at: new Date(T0).toISOString(),
      decided_by: null,
      decided_by_name: null,
      decided_at: null,
      decision_note: '',
      expires_at: null,
      closed_by: null,
      closed_at: null,
      calls_read: 0,
    };
    expect(contentReadActions(read, 'usr_asker', T0)).toEqual({ read: false, decide: false, revoke: true });
    expect(contentReadActions(read, 'usr_second', T0)).toEqual({ read: false, decide: true, revoke: true });
    expect(contentReadStateAt(read, T0 + 7 * DAY)).toBe('expired');
    const approved = { ...read, state: 'approved' as const, expires_at: new Date(T0 + DAY).toISOString() };
    expect(contentReadActions(approved, 'usr_asker', T0)).toEqual({ read: true, decide: false, revoke: true });
    expect(contentReadActions(approved, 'usr_second', T0)).toEqual({ read: false, decide: false, revoke: true });
    expect(contentReadStateAt(approved, T0 + DAY)).toBe('expired');
    expect(contentReadActions(approved, 'usr_asker', T0 + DAY)).toEqual({ read: false, decide: false, revoke: false });
  });

  test('a streamed answer reads as the text of its deltas', () => {
    const openai =
      'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\ndata: {"choices":[{"delta":{"content":"Hel"}}]}\n\n' +
      'data: {"choices":[{"delta":{"content":"lo"}}]}\n\ndata: [DONE]\n\n';
    expect(streamedText(openai)).toBe('Hello');
    const anthropic =
      'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"}}\n\n';
    expect(streamedText(anthropic)).toBe('Hi');
    expect(streamedText('{"choices":[]}')).toBe('{"choices":[]}');
  });
});
