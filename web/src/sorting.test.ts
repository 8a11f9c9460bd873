// The sort parameter, header clicks and aria-sort of the tables that sort on the server.
import { describe, expect, test } from 'vitest';

import { ariaSort, nextSort, sortParam } from './sorting';

describe('server sort', () => {
  test('the sort parameter is the column, with "-" when descending', () => {
    expect(sortParam(null)).toBeUndefined();
    expect(sortParam({ column: 'email', descending: false })).toBe('email');
    expect(sortParam({ column: 'email', descending: true })).toBe('-email');
  });

  test('a header click flips its own column and starts another ascending', () => {
    const asc = nextSort(null, 'email');
    expect(asc).toEqual({ column: 'email', descending: false });
    expect(nextSort(asc, 'email')).toEqual({ column: 'email', descending: true });
    expect(nextSort(nextSort(asc, 'email'), 'email')).toEqual({ column: 'email', descending: false });
    expect(nextSort({ column: 'email', descending: true }, 'created_at')).toEqual({
      column: 'created_at',
      descending: false,
    });
  });

  test('only the sorted column has an aria-sort', () => {
    const sort = { column: 'email', descending: true };
    expect(ariaSort(sort, 'email')).toBe('descending');
    expect(ariaSort(sort, 'display_name')).toBeUndefined();
    expect(ariaSort(null, 'email')).toBeUndefined();
  });
});
