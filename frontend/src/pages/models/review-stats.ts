/** A version's review stats as the segments of one stacked bar (pure). */
import type { ReviewStats } from "../../api/annotations";

export type ReviewPart = "accepted" | "corrected" | "rejected" | "pending";

export interface Segment {
  part: ReviewPart;
  count: number;
  /** Percent of the bar (the widths sum to 100 when anything is there). */
  width: number;
}

export const PART_TEXT: Record<ReviewPart, string> = {
  accepted: "Accepted as is", corrected: "Corrected", rejected: "Rejected", pending: "Pending review",
};

const ORDER: ReviewPart[] = ["accepted", "corrected", "rejected", "pending"];

export function reviewSegments(s: Partial<ReviewStats> | null | undefined): Segment[] {
  const counts = ORDER.map((part) => ({ part, count: Math.max(0, Number(s?.[part] ?? 0) || 0) }));
  const total = counts.reduce((a, c) => a + c.count, 0);
  if (!total) return [];
  // Largest-remainder rounding to one decimal so the bar never over- or under-fills.
  const raw = counts.map((c) => (c.count / total) * 1000);
  const floors = raw.map(Math.floor);
  let left = 1000 - floors.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - floors[i]!, i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i]!++;
    left--;
  }
  return counts.map((c, i) => ({ ...c, width: floors[i]! / 10 })).filter((c) => c.count > 0);
}

/** The share of reviewed predictions people had to fix or throw away (or "nothing reviewed yet"). */
export function correctionText(s: Partial<ReviewStats> | null | undefined): string {
  const rate = s?.correction_rate;
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return "nothing reviewed yet";
  return `correction rate ${(rate * 100).toFixed(rate < 0.1 && rate > 0 ? 1 : 0)}%: corrected or rejected among reviewed`;
}
