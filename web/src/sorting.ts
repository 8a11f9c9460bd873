// Sorting the console's tables on the server. A list that supports it takes ?sort=col
// (ascending) or ?sort=-col (descending), from the columns that list allows; the server pages
// in that order, and a next_cursor continues only the sort it was made for, so changing the
// sort starts again from the first page (docs/page-cursors.md).
//
// useServerSort keeps the sort of one table; a header button calls toggle(column), and the
// header cell shows ariaSort(sort, column).
import { useCallback, useState } from 'react';

export interface SortOrder {
  column: string; // as the API names it: "email", "created_at"
  descending: boolean;
}

// The value of the API's `sort` parameter, or undefined for the list's default order.
export function sortParam(sort: SortOrder | null): string | undefined {
  if (!sort) return undefined;
  return (sort.descending ? '-' : '') + sort.column;
}

// What clicking `column`'s header does: the same column flips direction, another starts
// ascending.
export function nextSort(current: SortOrder | null, column: string): SortOrder {
  if (current?.column === column) return { column, descending: !current.descending };
  return { column, descending: false };
}

// The header cell's aria-sort: only the sorted column carries one.
export function ariaSort(sort: SortOrder | null, column: string): 'ascending' | 'descending' | undefined {
  if (sort?.column !== column) return undefined;
  return sort.descending ? 'descending' : 'ascending';
}

export function useServerSort(initial: SortOrder | null = null) {
  const [sort, setSort] = useState<SortOrder | null>(initial);
  const toggle = useCallback((column: string) => setSort((s) => nextSort(s, column)), []);
  return { sort, param: sortParam(sort), toggle };
}
