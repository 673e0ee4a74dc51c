/** Team statistics as the Team tab draws them: days filled in, durations and rates. */
import type { DayStats } from "../api/team";

export interface DailySeries {
  days: string[];
  /** username -> images done on each of `days`. */
  byUser: Map<string, number[]>;
  /** The busiest day's total (the y scale). */
  max: number;
}

const DAY_MS = 86_400_000;

/** "YYYY-MM-DD" for each of the `n` days ending on `last` (inclusive), oldest first. */
export function dayRange(last: string, n: number): string[] {
  const end = Date.parse(`${last}T00:00:00Z`);
  return Array.from({ length: n }, (_, k) => new Date(end - (n - 1 - k) * DAY_MS).toISOString().slice(0, 10));
}

export function dailySeries(rows: readonly DayStats[], days: readonly string[], metric: keyof Pick<DayStats, "images_done" | "boxes" | "tags" | "active_seconds"> = "images_done"): DailySeries {
  const index = new Map(days.map((d, i) => [d, i]));
  const byUser = new Map<string, number[]>();
  for (const row of rows) {
    const i = index.get(row.day);
    if (i === undefined) continue;
    let values = byUser.get(row.username);
    if (!values) byUser.set(row.username, (values = days.map(() => 0)));
    values[i]! += row[metric];
  }
  const totals = days.map((_, i) => [...byUser.values()].reduce((s, v) => s + v[i]!, 0));
  return { days: [...days], byUser, max: Math.max(0, ...totals) };
}

/** Whole-number y-axis ticks for a count scale topping out at `max`: 0, about half, max. */
export function axisTicks(max: number): number[] {
  return max > 0 ? [...new Set([0, Math.round(max / 2), max])] : [0];
}

/** Which of `n` day columns get a date label: about 8 of them, always the newest. */
export function labelledDays(n: number): Set<number> {
  const every = Math.ceil(n / 8);
  return new Set(Array.from({ length: n }, (_, i) => i).filter((i) => (n - 1 - i) % every === 0));
}

/** 0 -> "0m", 59 min -> "59m", 3,720 s -> "1h 02m". */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** Images per active hour; null without at least a minute of measured time. */
export function perHour(images: number, seconds: number): number | null {
  return seconds >= 60 ? Math.round((images / seconds) * 3600 * 10) / 10 : null;
}
