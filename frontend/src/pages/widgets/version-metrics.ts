/** Pure formatting of registry numbers: held-out metrics, deltas between versions, sizes. */
import type { TrainTask } from "../../api/common";
import type { VersionMetrics } from "../../api/models";

export const DASH = "—";

export const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** A fraction as a percentage: 0.9412 -> "94.1%"; null / missing -> "—". */
export function pct(v: unknown, digits = 1): string {
  return isNum(v) ? `${(v * 100).toFixed(digits)}%` : DASH;
}

/** Clamp to 0..1 for bar widths (a missing value draws no bar). */
export function barFraction(v: unknown): number {
  return isNum(v) ? Math.min(1, Math.max(0, v)) : 0;
}

export interface Headline {
  name: "accuracy" | "map50" | "map";
  label: string;
  value: number;
  text: string;
  split: string;
  count: number | null;
}

/** The number a version is judged by: held-out accuracy (classify) or mAP@.5 (detect). */
export function versionHeadline(task: TrainTask, metrics: VersionMetrics | null | undefined): Headline | null {
  if (!metrics) return null;
  const order: [Headline["name"], string][] = task === "detect" ? [["map50", "mAP@.5"], ["map", "mAP"]] : [["accuracy", "accuracy"]];
  for (const [name, label] of order) {
    const v = metrics[name];
    if (isNum(v)) {
      return { name, label, value: v, text: pct(v), split: metrics.split ?? "held-out", count: isNum(metrics.count) ? metrics.count : null };
    }
  }
  return null;
}

/** Model sizes in MB (MiB, as `ls -h` and the browser's download bar show them). */
export function formatMB(bytes: number | null | undefined): string {
  if (!isNum(bytes) || bytes <= 0) return DASH;
  const mb = bytes / (1024 * 1024);
  return `${mb >= 100 ? mb.toFixed(0) : mb >= 0.1 ? mb.toFixed(1) : mb.toFixed(2)} MB`;
}

/** Parameter counts: 11_689_512 -> "11.7M", 272_474 -> "272K", 850 -> "850". */
export function formatParams(n: number | null | undefined): string {
  if (!isNum(n) || n <= 0) return DASH;
  if (n >= 1e9) return `${trim(n / 1e9)}B`;
  if (n >= 1e6) return `${trim(n / 1e6)}M`;
  if (n >= 1e3) return `${trim(n / 1e3)}K`;
  return String(Math.round(n));
}

function trim(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1).replace(/\.0$/, "") : v.toFixed(2).replace(/\.?0+$/, "");
}

export type Tone = "better" | "worse" | "same" | "none";
export type Direction = "higher" | "lower" | "neutral";

export interface Delta {
  value: number | null;
  text: string;
  tone: Tone;
}

const NO_DELTA: Delta = { value: null, text: DASH, tone: "none" };

function tone(d: number, direction: Direction, same: boolean): Tone {
  if (same) return "same";
  if (direction === "neutral") return "none";
  return (d > 0) === (direction === "higher") ? "better" : "worse";
}

/** b − a of two fractions in percentage points: 0.90 -> 0.925 is "+2.5 pts" (better). */
export function fractionDelta(a: unknown, b: unknown, direction: Direction = "higher"): Delta {
  if (!isNum(a) || !isNum(b)) return NO_DELTA;
  const d = b - a;
  const pts = d * 100;
  const same = Math.abs(pts) < 0.05;
  return { value: d, text: same ? "±0.0 pts" : `${pts > 0 ? "+" : "−"}${Math.abs(pts).toFixed(1)} pts`, tone: tone(d, direction, same) };
}

/** b − a of plain numbers, formatted by `fmt` (applied to the absolute difference). */
export function numberDelta(a: unknown, b: unknown, fmt: (abs: number) => string, direction: Direction = "neutral"): Delta {
  if (!isNum(a) || !isNum(b)) return NO_DELTA;
  const d = b - a;
  // A difference too small to show ("+0.00 MB") is no difference: not signed, not coloured.
  if (d === 0 || !/[1-9]/.test(fmt(Math.abs(d)))) return { value: 0, text: "±0", tone: "same" };
  return { value: d, text: `${d > 0 ? "+" : "−"}${fmt(Math.abs(d))}`, tone: tone(d, direction, false) };
}
