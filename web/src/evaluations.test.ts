// Designation's roles, progress, recommendations and rules in words, as the console shows them
// (docs/evaluations.md).
import { describe, expect, test, vi } from 'vitest';

vi.hoisted(() => {
  // api.ts reads the CSRF token from sessionStorage when it loads.
  const store = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };
  Object.assign(globalThis, { sessionStorage: store });
});

import { ApiError, type Identity, type Tuple } from './api';
import {
  allowedRecommendation,
  canReadEvaluations,
  designationRoles,
  explainEvaluationRule,
  percent,
  progressText,
  shortHash,
} from './evaluations';

function tuple(relation: string, state: Tuple['state'] = 'active', object = 'platform'): Tuple {
  return {
    id: `t-${relation}`,
    object,
    relation,
    subject: 'usr_1',
    state,
    valid_from: '2026-12-01T00:00:00Z',
    expires_at: null,
    created_at: '2026-12-01T00:00:00Z',
    created_by: 'usr_0',
    approved_by: null,
    approved_at: null,
    revoked_at: null,
  } as Tuple;
}

function identity(grants: Tuple[]): Identity {
  return { grants } as unknown as Identity;
}

describe('designation roles', () => {
  test('come from active platform relations only', () => {
    const roles = designationRoles(
      identity([tuple('evaluator'), tuple('director', 'pending_approval'), tuple('cleared', 'active', 'org:x')]),
    );
    expect(roles).toEqual({ evaluator: true, director: false, auditor: false, cleared: false });
    expect(canReadEvaluations(roles)).toBe(true);
  });
  test('a lab member without relations reads no evaluation', () => {
    expect(canReadEvaluations(designationRoles(identity([tuple('admin', 'active', 'org:lab')])))).toBe(false);
    expect(canReadEvaluations(designationRoles(null))).toBe(false);
  });
  test('an auditor reads', () => {
    expect(canReadEvaluations(designationRoles(identity([tuple('auditor')])))).toBe(true);
  });
});

describe('progress and recommendations', () => {
  test('progress rounds down, never claiming done early', () => {
    expect(progressText({ samples_done: 71, samples_total: 72 })).toBe('71 of 72 samples (98%)');
    expect(progressText({ samples_done: 0, samples_total: 0 })).toBe('0 of 0 samples (0%)');
  });
  test('the recommendation follows the decision', () => {
    expect(allowedRecommendation('exceeds')).toBe('covered');
    expect(allowedRecommendation('below')).toBe('not_covered');
    expect(allowedRecommendation('inconclusive')).toBeNull();
    expect(allowedRecommendation(null)).toBeNull();
  });
  test('rates read as percentages', () => {
    expect(percent(0.3679)).toBe('36.8%');
    expect(percent(1)).toBe('100.0%');
  });
  test('hashes are shortened without their prefix', () => {
    expect(shortHash('sha256:0123456789abcdef0123')).toBe('0123456789ab');
  });
});

describe('rules in words', () => {
  test('name what to do', () => {
    const refused = new ApiError(403, {
      code: 'permission_denied',
      message: 'no',
      details: { rule: 'separation_of_duties' },
    });
    expect(explainEvaluationRule(refused)).toMatch(/another director/);
    const window = new ApiError(409, { code: 'failed_precondition', message: 'no', details: { rule: 'evaluation_needs_open_window' } });
    expect(explainEvaluationRule(window)).toMatch(/Windows page/);
    expect(explainEvaluationRule(new ApiError(403, { code: 'permission_denied', message: 'no' }))).toMatch(/relations/);
    expect(explainEvaluationRule(new Error('x'))).toBeNull();
  });
});
