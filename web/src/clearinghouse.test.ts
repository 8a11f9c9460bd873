import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  // api.ts reads the CSRF token from sessionStorage when it loads.
  const store = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };
  Object.assign(globalThis, { sessionStorage: store });
});

import {
  bandPath,
  clearinghouseRole,
  countTicks,
  dayLabel,
  daysText,
  dayTicks,
  deadlineText,
  acknowledgeEscalation,
  escalationTitle,
  fetchEscalations,
  fetchTrend,
  linePath,
  nextStates,
  noticeNextStep,
  noticeText,
  remediationRows,
  remediationSummary,
  remediationText,
  stackTrend,
  TIMELINE_ALLOWANCE,
  timelineShort,
  TIMELINES,
  trendText,
  type Remediation,
  type Timeline,
  type TrendDay,
} from './clearinghouse';

describe('the clearinghouse in the console', () => {
  it('knows which side an organization is on', () => {
    expect(clearinghouseRole('operator')).toBe('operator');
    expect(clearinghouseRole('clearinghouse')).toBe('clearinghouse');
    expect(clearinghouseRole('lab')).toBeNull();
  });

  it('offers the moves the rules allow a person', () => {
    expect(nextStates('open')).toEqual(['in_triage', 'not_affected', 'risk_accepted', 'fixed']);
    expect(nextStates('risk_accepted')).toEqual(['fixed', 'open']);
    // Only a later inventory verifies a fix; a person may only reopen.
    expect(nextStates('verified_fixed')).toEqual(['open']);
    expect(nextStates('not_affected')).toEqual(['open']);
  });

  it('says a deadline in days, overdue ones too', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(deadlineText('2026-12-13T12:00:00Z', now)).toBe('in 12 days');
    expect(deadlineText('2026-12-02T11:00:00Z', now)).toBe('due today');
    expect(deadlineText('2026-11-28T12:00:00Z', now)).toBe('3 days overdue');
    expect(deadlineText('2026-11-30T12:00:00Z', now)).toBe('1 day overdue');
    expect(deadlineText(null, now)).toBe('none: fix on system upgrade');
  });

  it('orders the timelines from the most urgent', () => {
    expect(TIMELINES[0]).toBe('3 days & forensic investigation');
    expect(timelineShort(TIMELINES[0]!)).toBe('3 days + forensics');
    expect(timelineShort('fix on system upgrade')).toBe('on upgrade');
  });
});

describe('notices in the console', () => {
  it('says what a notice still asks', () => {
    expect(noticeNextStep({ state: 'sent', overdue: false })).toBe('Acknowledge it');
    expect(noticeNextStep({ state: 'acknowledged', overdue: true })).toBe('Overdue: report what you did');
    expect(noticeNextStep({ state: 'verified', overdue: false })).toMatch(/^Nothing/);
  });

  it('reads the JSON of a signed note', () => {
    const note = '{"type":"bulwark.patch_notice","id":"ntc_1"}\n\n— program.example/ledger AAAA\n';
    expect(noticeText(note)).toEqual({ type: 'bulwark.patch_notice', id: 'ntc_1' });
    expect(noticeText('not a note')).toBeNull();
  });
});

function day(date: string, counts: number[], overdue: number): TrendDay {
  const by = Object.fromEntries(TIMELINES.map((t, i) => [t, counts[i] ?? 0])) as Record<Timeline, number>;
  return { date, by_timeline: by, overdue };
}

describe('open findings by deadline tier over time', () => {
  const days = [day('2026-12-02', [0, 1, 2, 0, 5], 1), day('2026-12-03', [1, 1, 0, 3, 5], 2), day('2026-12-04', [0, 0, 1, 0, 4], 0)];

  it('stacks the most urgent timeline at the bottom', () => {
    const { bands, totals, max } = stackTrend(days);
    expect(totals).toEqual([8, 10, 5]);
    expect(max).toBe(10);
    expect(bands[0]).toEqual([
      [0, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(bands[1]![1]).toEqual([1, 2]);
    expect(bands[4]![1]).toEqual([5, 10]);
  });

  it('scales to the overdue count when it is the highest, and to 1 when nothing is open', () => {
    expect(stackTrend([day('2026-12-04', [0, 0, 0, 0, 0], 0)]).max).toBe(1);
    expect(stackTrend([]).max).toBe(1);
  });

  it('takes a timeline the API left out of a day as none', () => {
    const partial = { date: '2026-12-04', by_timeline: { '3 days': 2 } as Record<Timeline, number>, overdue: 0 };
    expect(stackTrend([partial]).totals).toEqual([2]);
  });

  it('draws a band along its tops and back along its bottoms', () => {
    const y = (v: number) => 100 - v * 10;
    expect(
      bandPath(
        [0, 50],
        [
          [0, 2],
          [1, 3],
        ],
        y,
      ),
    ).toBe('M0,80 L50,70 L50,90 L0,100 Z');
    expect(bandPath([], [], y)).toBe('');
    expect(linePath([0, 50, 100], [1, 0, 2.5], y)).toBe('M0,90 L50,100 L100,75');
  });

  it('puts whole-number ticks up to at least the highest count', () => {
    expect(countTicks(1)).toEqual([0, 1]);
    expect(countTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(countTicks(40)).toEqual([0, 10, 20, 30, 40]);
  });

  it('labels a few days, always the last', () => {
    expect(dayTicks(7)).toEqual([0, 2, 4, 6]);
    expect(dayTicks(90)).toEqual([17, 35, 53, 71, 89]);
    expect(dayTicks(1)).toEqual([0]);
    expect(dayTicks(0)).toEqual([]);
    expect(dayLabel('2026-09-06')).toBe('Sep 6');
    expect(dayLabel('not a date')).toBe('not a date');
  });

  it('says the trend in words', () => {
    expect(trendText(days)).toBe(
      'From 2026-12-02 to 2026-12-04 (UTC). On 2026-12-04: 5 findings open (0 3 days + forensics, 0 3 days, ' +
        '1 14 days, 0 60 days, 4 on upgrade), 0 overdue. The most open on one day: 10, on 2026-12-03.',
    );
    expect(trendText([])).toBe('No days.');
  });
});

describe('time to remediate', () => {
  const items: Remediation[] = [
    { timeline: '3 days', remediated: 4, median_days: 1.46, p90_days: 2.8, within_deadline: 3 },
    { timeline: '3 days & forensic investigation', remediated: 0, median_days: null, p90_days: null, within_deadline: 0 },
    { timeline: '60 days', remediated: 1, median_days: 12, p90_days: 12, within_deadline: 1 },
  ];

  it('allows 3, 3, 14 and 60 days, and no deadline on upgrade', () => {
    expect(TIMELINES.map((t) => TIMELINE_ALLOWANCE[t])).toEqual([3, 3, 14, 60, null]);
  });

  it('has a row for every timeline, most urgent first', () => {
    const rows = remediationRows(items);
    expect(rows.map((r) => r.timeline)).toEqual(TIMELINES);
    expect(rows[1]!.remediated).toBe(4);
    expect(rows[2]).toEqual({ timeline: '14 days', remediated: 0, median_days: null, p90_days: null, within_deadline: 0 });
  });

  it('says the days and the counts in words', () => {
    expect(daysText(0.43)).toBe('0.4 days');
    expect(daysText(1)).toBe('1 day');
    expect(daysText(2.54)).toBe('2.5 days');
    expect(daysText(37.4)).toBe('37 days');
    expect(remediationText(items[0])).toBe('remediated 4, within deadline 3');
    expect(remediationText(items[1])).toBe('none yet');
    expect(remediationText(undefined)).toBe('none yet');
    expect(remediationSummary(items)).toBe(
      '3 days + forensics: none yet, allowed 3 days. ' +
        '3 days: remediated 4, within deadline 3, median 1.5 days, 90th percentile 2.8 days, allowed 3 days. ' +
        '14 days: none yet, allowed 14 days. ' +
        '60 days: remediated 1, within deadline 1, median 12 days, 90th percentile 12 days, allowed 60 days. ' +
        'on upgrade: none yet, no deadline.',
    );
  });
});

describe('escalations in the console', () => {
  it('says how many findings passed their deadlines', () => {
    expect(escalationTitle({ findings: 1 })).toBe('1 finding passed its deadline');
    expect(escalationTitle({ findings: 3 })).toBe('3 findings passed their deadlines');
  });
});

describe('the calls of the trend and the escalations', () => {
  function fakeFetch(body: unknown) {
    const calls: { url: string; method: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, method: init.method ?? 'GET', body: init.body });
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    return calls;
  }

  it('asks for one operator’s trend, or every operator’s', async () => {
    const calls = fakeFetch({ org_id: null, as_of: '2026-12-04T18:00:00Z', days: [], remediation: [] });
    await fetchTrend('org_1', 30);
    await fetchTrend(null, 90);
    expect(calls.map((c) => c.url)).toEqual([
      '/api/v1/clearinghouse/trend?operator=org_1&days=30',
      '/api/v1/clearinghouse/trend?days=90',
    ]);
    vi.unstubAllGlobals();
  });

  it('lists one operator’s escalations or every operator’s, and acknowledges one with an empty body', async () => {
    const calls = fakeFetch({ items: [{ id: 'esc_1' }] });
    expect(await fetchEscalations('org 1')).toEqual([{ id: 'esc_1' }]);
    await fetchEscalations(null);
    await acknowledgeEscalation('esc_1');
    expect(calls).toEqual([
      { url: '/api/v1/clearinghouse/operators/org%201/escalations', method: 'GET', body: undefined },
      { url: '/api/v1/clearinghouse/escalations', method: 'GET', body: undefined },
      { url: '/api/v1/clearinghouse/escalations/esc_1/acknowledge', method: 'POST', body: '{}' },
    ]);
    vi.unstubAllGlobals();
  });
});
