import { describe, expect, it } from 'vitest';

import { clearinghouseRole, deadlineText, nextStates, noticeNextStep, noticeText, timelineShort, TIMELINES } from './clearinghouse';

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
