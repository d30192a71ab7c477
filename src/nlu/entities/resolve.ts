// Picks one reading per stretch of text when detectors disagree.
import type { Entity } from '../types.ts';

/** A detector's finding; `rank` orders competing readings (higher = more specific). */
export interface Candidate extends Entity {
  rank: number;
}

/** Higher rank first, then the longer span, then the earlier one; the result is sorted by start. */
export function resolveOverlaps(candidates: Candidate[]): Entity[] {
  const ordered = [...candidates].sort(
    (a, b) => b.rank - a.rank || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const taken: Candidate[] = [];
  for (const c of ordered) {
    if (taken.every((t) => c.end <= t.start || c.start >= t.end)) taken.push(c);
  }
  taken.sort((a, b) => a.start - b.start);
  return taken.map(({ rank: _rank, ...entity }) => entity);
}

/** Entity ranks: checksummed or unmistakable forms beat loose ones. */
export const RANK = {
  email: 100,
  id_card: 90,
  phone: 85,
  bank_card: 80,
  stock_code_marked: 70,
  datetime: 60,
  money: 55,
  stock_code_bare: 50,
  stock_name: 40,
} as const;
