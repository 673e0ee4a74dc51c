/** Pure helpers about training runs: status groups, progress, ETA and metric formatting. */
import type { TrainTask } from "../../api/common";
import type { MetricRow, RunProgressPayload, RunStatus, TrainingRun } from "../../api/runs";
import { formatCount } from "../../lib/format";

const ACTIVE: ReadonlySet<RunStatus> = new Set(["queued", "running", "cancelling"]);
const RESUMABLE: ReadonlySet<RunStatus> = new Set(["cancelled", "interrupted", "failed"]);

/** Still going: queued, running or cancelling. */
export const isActive = (s: RunStatus): boolean => ACTIVE.has(s);
/** Ended: succeeded, failed, cancelled or interrupted. */
export const isFinished = (s: RunStatus): boolean => !ACTIVE.has(s);
export const canCancel = (s: RunStatus): boolean => s === "queued" || s === "running";
export const canResume = (s: RunStatus): boolean => RESUMABLE.has(s);

export const STATUS_TEXT: Record<RunStatus, string> = {
  queued: "Queued",
  running: "Running",
  cancelling: "Cancelling",
  cancelled: "Cancelled",
  interrupted: "Interrupted",
  failed: "Failed",
  succeeded: "Succeeded",
};

export function statusText(s: string): string {
  return (STATUS_TEXT as Record<string, string>)[s] ?? s;
}

/** 42 -> "42s", 754 -> "12m 34s", 7380 -> "2h 03m", 100000 -> "1d 3h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** What to show in place of an ETA: "ETA 3m 12s" while running, nothing otherwise. */
export function etaText(run: Pick<TrainingRun, "status" | "eta_seconds" | "step">): string {
  if (run.status === "queued") return "waiting for a worker";
  if (run.status === "cancelling") return "stopping…";
  if (run.status !== "running") return "";
  if (run.eta_seconds === null || run.eta_seconds === undefined || !Number.isFinite(run.eta_seconds)) {
    return run.step > 0 ? "ETA estimating…" : "starting…";
  }
  return `ETA ${formatDuration(run.eta_seconds)}`;
}

/** Seconds between two ISO times (or until `now` while unfinished); null when not started. */
export function elapsedSeconds(startedAt: string | null, finishedAt: string | null, now = Date.now()): number | null {
  if (!startedAt) return null;
  const a = Date.parse(startedAt);
  const b = finishedAt ? Date.parse(finishedAt) : now;
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.max(0, (b - a) / 1000);
}

export function clampProgress(p: number | null | undefined): number {
  return typeof p === "number" && Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
}

/** Epochs as the worker counts them (fractional while inside one): 2 -> "2", 2.4567 -> "2.5". */
export function formatEpoch(e: number | null | undefined): string {
  if (typeof e !== "number" || !Number.isFinite(e)) return "0";
  return Number.isInteger(e) ? String(e) : e.toFixed(1);
}

/** "1,234 / 5,000" steps, or "–" before the worker knows the total. */
export function stepText(step: number, total: number): string {
  if (!total) return step ? formatCount(step) : "–";
  return `${formatCount(step)} / ${formatCount(total)}`;
}

const PERCENT_METRICS = new Set(["val_accuracy", "val_top5", "map", "map50", "map75", "accuracy"]);

/** A metric value as people read it: fractions as %, losses with 4 significant digits. */
export function formatMetric(name: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (PERCENT_METRICS.has(name)) return `${(value * 100).toFixed(1)}%`;
  if (name === "lr") return formatLr(value);
  if (name === "throughput") return `${formatNumber(value)} img/s`;
  if (name === "gpu_mem_mb") return `${formatCount(Math.round(value))} MB`;
  return formatNumber(value);
}

export function formatLr(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e4 ? v.toExponential(2).replace("e-", "e−") : String(Number(v.toPrecision(3)));
}

/** 4 significant digits, thousands separated: 0.31234 -> "0.3123", 812.44 -> "812.4". */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a !== 0 && a < 1e-3) return v.toExponential(2).replace("e-", "e−");
  return String(Number(v.toPrecision(4)));
}

export interface HeadlineMetric {
  name: string;
  label: string;
  value: number;
  text: string;
}

/** The one number a run is judged by, measured on the validation split while it trains:
 *  top-1 accuracy (classify) or mAP@0.5 (detect). A model version's held-out figure (test
 *  split when there is one) can differ: the runs table's column says "Best (val)". */
export function headlineMetric(task: TrainTask, best: Record<string, number> | null | undefined): HeadlineMetric | null {
  if (!best) return null;
  const order: [string, string][] =
    task === "detect" ? [["map50", "mAP@.5"], ["map", "mAP"]] : [["val_accuracy", "acc"], ["val_top5", "top-5"]];
  for (const [name, label] of order) {
    const v = best[name];
    if (typeof v === "number" && Number.isFinite(v)) return { name, label, value: v, text: formatMetric(name, v) };
  }
  return null;
}

/** The latest value of each metric in a batch of rows (the highest step wins). */
export function latestByName(rows: readonly MetricRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  const at: Record<string, number> = {};
  for (const r of rows) {
    if (!(r.name in at) || r.step >= at[r.name]!) {
      at[r.name] = r.step;
      out[r.name] = r.value;
    }
  }
  return out;
}

/** A run after a `run.progress` event: counters and latest values moved on. `best_metrics`
 * come from the server as they are (the best epoch's figures, together), never recomputed
 * per metric here: the best accuracy and the lowest loss may be different epochs. */
export function applyProgress<T extends TrainingRun>(run: T, p: RunProgressPayload): T {
  if (p.id !== run.id) return run;
  const next: T = { ...run };
  if (typeof p.step === "number" && p.step >= (run.step ?? 0)) next.step = p.step;
  if (typeof p.total_steps === "number" && p.total_steps > 0) next.total_steps = p.total_steps;
  if (typeof p.progress === "number") next.progress = Math.max(clampProgress(run.progress), clampProgress(p.progress));
  if (typeof p.epoch === "number") next.epoch = p.epoch;
  if ("eta_seconds" in p) next.eta_seconds = p.eta_seconds;
  if (run.status === "queued") next.status = "running";
  if (p.latest && typeof p.latest === "object") next.latest = { ...(run.latest ?? {}), ...p.latest };
  else if (p.metrics?.length) next.latest = { ...(run.latest ?? {}), ...latestByName(p.metrics) };
  if (p.best_metrics && typeof p.best_metrics === "object") next.best_metrics = { ...p.best_metrics };
  return next;
}

/** Newest first; equal times fall back to the id. */
export function sortRuns<T extends Pick<TrainingRun, "id" | "created_at">>(runs: T[]): T[] {
  return [...runs].sort((a, b) => (Date.parse(b.created_at) || 0) - (Date.parse(a.created_at) || 0) || b.id - a.id);
}

/** Insert or replace a run in a list (by id), keeping newest first. */
export function upsertRun<T extends Pick<TrainingRun, "id" | "created_at">>(runs: T[], run: T): T[] {
  const i = runs.findIndex((r) => r.id === run.id);
  if (i < 0) return sortRuns([run, ...runs]);
  const out = [...runs];
  out[i] = { ...out[i]!, ...run };
  return out;
}

/**
 * Is this headline value clearly good? Only then is it shown in green; a poor or middling
 * model is shown in neutral colours, never as a success. Accuracy and F1 must reach 80%,
 * mAP@.5 50%, mAP@.5:.95 35%; with `classes` known, accuracy must also close 60% of the gap
 * between chance and perfect, and a one-class "classifier" is never good.
 */
const GOOD_AT: Record<string, number> = {
  val_accuracy: 0.8, accuracy: 0.8, macro_f1: 0.8, val_top5: 0.95, map50: 0.5, map: 0.35,
};

export function isGoodMetric(name: string, value: number | null | undefined, classes = 0): boolean {
  const bar = GOOD_AT[name];
  if (bar === undefined || typeof value !== "number" || !Number.isFinite(value)) return false;
  const isAccuracy = name === "val_accuracy" || name === "accuracy";
  if (isAccuracy && classes === 1) return false;
  const chance = isAccuracy && classes > 1 ? 1 / classes : 0;
  return value >= Math.max(bar, chance + 0.6 * (1 - chance));
}

/** A run on a CPU has no GPU memory to chart: "cpu", or no device yet but a CPU-only worker. */
export function usesGpu(run: Pick<TrainingRun, "device">): boolean {
  return !/^cpu\b/i.test(run.device ?? "");
}
