// The charts' scales and ticks.
import { describe, expect, test } from 'vitest';

import { scale, ticks } from './chart';

describe('chart scales', () => {
  test('map the domain onto the range', () => {
    const x = scale(0, 1, 100, 600);
    expect(x(0)).toBe(100);
    expect(x(0.5)).toBe(350);
    expect(x(1)).toBe(600);
    expect(scale(3, 3, 0, 10)(3)).toBe(0);
  });
  test('ticks are round and cover the domain', () => {
    expect(ticks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(0, 72, 6)).toEqual([0, 20, 40, 60]);
    expect(ticks(-1.5, 4.2, 5)).toEqual([0, 2, 4]);
    expect(ticks(-3.2, 4.2, 4)).toEqual([-2, 0, 2, 4]);
    expect(ticks(2, 2)).toEqual([2]);
  });
});
