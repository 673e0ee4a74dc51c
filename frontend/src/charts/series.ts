/**
 * Metric rows -> chart series: a per-metric store that dedupes by (step, name) and stays
 * sorted by step, plus the pure transforms charts need (epoch alignment, EMA smoothing,
 * min/max decimation). No DOM, no uPlot.
 */
import type { MetricRow } from "../api/runs";

export type Value = number | null;

export interface Series {
  steps: number[];
  epochs: number[];
  values: Value[];
}

/** Index of the first element >= target in a sorted array. */
export function lowerBound(arr: readonly number[], target: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const finite = (v: unknown): Value => (typeof v === "number" && Number.isFinite(v) ? v : null);

export class MetricStore {
  private readonly byName = new Map<string, Series>();
  /** Highest step seen in any row; null before the first. */
  lastStep: number | null = null;
  /** Bumped on every change, so views can skip redraws. */
  version = 0;

  /** Add rows (any order, duplicates allowed: the later row for a step+name wins). Returns the names that changed. */
  add(rows: readonly MetricRow[] | null | undefined): Set<string> {
    const changed = new Set<string>();
    for (const r of rows ?? []) {
      if (!r || typeof r.name !== "string" || typeof r.step !== "number" || !Number.isFinite(r.step)) continue;
      let s = this.byName.get(r.name);
      if (!s) this.byName.set(r.name, (s = { steps: [], epochs: [], values: [] }));
      const value = finite(r.value);
      const epoch = typeof r.epoch === "number" ? r.epoch : 0;
      const n = s.steps.length;
      if (n === 0 || r.step > s.steps[n - 1]!) {
        s.steps.push(r.step);
        s.epochs.push(epoch);
        s.values.push(value);
      } else {
        const i = lowerBound(s.steps, r.step);
        if (s.steps[i] === r.step) {
          if (s.values[i] === value && s.epochs[i] === epoch) continue;
          s.values[i] = value;
          s.epochs[i] = epoch;
        } else {
          s.steps.splice(i, 0, r.step);
          s.epochs.splice(i, 0, epoch);
          s.values.splice(i, 0, value);
        }
      }
      changed.add(r.name);
      if (this.lastStep === null || r.step > this.lastStep) this.lastStep = r.step;
    }
    if (changed.size) this.version++;
    return changed;
  }

  /** Forget everything (a resumed run rewrites the steps after its checkpoint). */
  clear(): void {
    this.byName.clear();
    this.lastStep = null;
    this.version++;
  }

  get(name: string): Series {
    return this.byName.get(name) ?? { steps: [], epochs: [], values: [] };
  }

  has(name: string): boolean {
    return (this.byName.get(name)?.steps.length ?? 0) > 0;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Rows in the store (all names). */
  size(): number {
    let n = 0;
    for (const s of this.byName.values()) n += s.steps.length;
    return n;
  }

  /** The step to refetch from after a reconnect: one back, so rows written at the last step are not missed. */
  refetchAfter(): number | null {
    return this.lastStep === null ? null : this.lastStep - 1;
  }
}

/** uPlot's aligned data: one x array and one y array per series, same length. */
export interface Aligned {
  x: number[];
  ys: Value[][];
}

/** Step-indexed series of one metric. */
export function byStep(s: Series): Aligned {
  return { x: s.steps.slice(), ys: [s.values.slice()] };
}

/**
 * Per-epoch metrics side by side: x = epoch, one y per series, null where a series has no
 * value for that epoch. A series with two rows for one epoch keeps its latest step.
 */
export function byEpoch(series: readonly Series[]): Aligned {
  const maps = series.map((s) => {
    const m = new Map<number, Value>();
    for (let i = 0; i < s.steps.length; i++) m.set(s.epochs[i]!, s.values[i]!);
    return m;
  });
  const epochs = new Set<number>();
  for (const m of maps) for (const e of m.keys()) epochs.add(e);
  const x = [...epochs].sort((a, b) => a - b);
  return { x, ys: maps.map((m) => x.map((e) => (m.has(e) ? m.get(e)! : null))) };
}

/**
 * Exponential moving average with TensorBoard's debiasing (the first points are not pulled
 * towards zero). weight 0 = raw; nulls stay null and do not reset the average.
 */
export function ema(values: readonly Value[], weight: number): Value[] {
  const w = Math.min(0.999, Math.max(0, weight));
  let acc = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    acc = acc * w + (1 - w) * v;
    n++;
    const debias = 1 - w ** n;
    return debias > 0 ? acc / debias : v;
  });
}

/**
 * Keep at most about `maxPoints` points: per bucket the first, the min and the max of the
 * primary series (ys[0]), so spikes survive. Other series are sampled at the same indices.
 * Returns the input unchanged when it is already small enough.
 */
export function decimate(data: Aligned, maxPoints: number): Aligned {
  const n = data.x.length;
  if (n <= maxPoints || maxPoints < 4) return data;
  const primary = data.ys[0] ?? [];
  const buckets = Math.max(1, Math.floor(maxPoints / 3));
  const size = n / buckets;
  const keep: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    if (start >= end) continue;
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const v = primary[i];
      if (v === null || v === undefined) continue;
      if (lo < 0 || v < primary[lo]!) lo = i;
      if (hi < 0 || v > primary[hi]!) hi = i;
    }
    const picks = [start, lo, hi].filter((i) => i >= 0).sort((a, b) => a - b);
    for (const i of picks) if (keep[keep.length - 1] !== i) keep.push(i);
  }
  if (keep[keep.length - 1] !== n - 1) keep.push(n - 1);
  return { x: keep.map((i) => data.x[i]!), ys: data.ys.map((y) => keep.map((i) => y[i] ?? null)) };
}

/** Points a chart draws: x values that have at least one non-null y. */
export function countPoints(data: Aligned): number {
  let n = 0;
  for (let i = 0; i < data.x.length; i++) if (data.ys.some((y) => y[i] !== null && y[i] !== undefined)) n++;
  return n;
}
