/** Pure helpers for auto-annotation runs: progress text, counts, list upkeep, finish notices. */
import type { AutoAnnotateMode, AutoAnnotateScope, AutoAnnotateStatus, AutoAnnotationRun } from "../../api/autoannotate";

const FINAL: ReadonlySet<AutoAnnotateStatus> = new Set(["succeeded", "failed", "cancelled"]);

export function isFinished(run: Pick<AutoAnnotationRun, "status" | "finished">): boolean {
  return run.finished === true || FINAL.has(run.status);
}

/** 0..1; a succeeded run is full whatever the counters say; a queued one is empty. */
export function runFraction(run: Pick<AutoAnnotationRun, "status" | "processed" | "total" | "progress">): number {
  if (run.status === "succeeded") return 1;
  if (run.total > 0) return Math.min(1, Math.max(0, run.processed / run.total));
  return Number.isFinite(run.progress) ? Math.min(1, Math.max(0, run.progress)) : 0;
}

const n = (v: number): string => v.toLocaleString("en-US");

/** "1,024 / 4,000 images · 25%" (floored: 99.9% never shows as 100% before the end). */
export function progressText(run: Pick<AutoAnnotationRun, "status" | "processed" | "total" | "progress">, withPct = true): string {
  const pct = Math.floor(runFraction(run) * 100);
  if (run.status === "queued") return `${n(run.total)} image${run.total === 1 ? "" : "s"} · waiting for a worker`;
  return `${n(run.processed)} / ${n(run.total)} images${withPct ? ` · ${pct}%` : ""}`;
}

/** The counts line: only what is non-zero, predictions first. */
export function countsText(counts: AutoAnnotationRun["counts"]): string {
  const parts: string[] = [];
  const p = counts.predictions ?? 0;
  parts.push(`${n(p)} prediction${p === 1 ? "" : "s"}`);
  if (counts.images_with_predictions) parts.push(`on ${n(counts.images_with_predictions)} image${counts.images_with_predictions === 1 ? "" : "s"}`);
  if (counts.replaced) parts.push(`${n(counts.replaced)} replaced`);
  if (counts.unmapped) parts.push(`${n(counts.unmapped)} unmapped`);
  if (counts.unreadable) parts.push(`${n(counts.unreadable)} unreadable`);
  return parts.join(" · ");
}

export const MODE_TEXT: Record<AutoAnnotateMode, string> = {
  classify: "Classify (image tags)",
  detect: "Detect (boxes)",
  two_stage: "Detect, then classify each box",
  segment: "Segment (polygons)",
};

export const SCOPE_TEXT: Record<AutoAnnotateScope, string> = {
  unlabelled: "Unlabelled images",
  filter: "Image-list filter",
  all: "All images",
};

/** Insert or replace by id, newest first; an older payload never overwrites a newer one. */
export function upsertRun(list: AutoAnnotationRun[], run: AutoAnnotationRun): AutoAnnotationRun[] {
  const i = list.findIndex((r) => r.id === run.id);
  if (i >= 0) {
    const old = list[i]!;
    // Progress only moves forward; a finished run stays finished (events can arrive out of order).
    if (isFinished(old) && !isFinished(run)) return list;
    if (!isFinished(run) && old.status === run.status && run.processed < old.processed) return list;
    const next = [...list];
    next[i] = run;
    return next;
  }
  return [run, ...list].sort((a, b) => b.id - a.id);
}

/** True when `next` is the first sighting of `prev` having finished (toast once). */
export function justFinished(prev: AutoAnnotationRun | undefined, next: AutoAnnotationRun): boolean {
  return isFinished(next) && (prev === undefined || !isFinished(prev));
}

export function finishMessage(run: AutoAnnotationRun): { text: string; kind: "ok" | "error" | "info" } {
  const v = `v${run.model_version.version}`;
  if (run.status === "succeeded") {
    const p = run.counts.predictions ?? 0;
    const imgs = run.counts.images_with_predictions ?? 0;
    return { text: `Pre-labelling with ${v} finished: ${n(p)} prediction${p === 1 ? "" : "s"} on ${n(imgs)} image${imgs === 1 ? "" : "s"}.`, kind: "ok" };
  }
  if (run.status === "failed") return { text: `Pre-labelling with ${v} failed${run.error ? `: ${run.error}` : "."}`, kind: "error" };
  return { text: `Pre-labelling with ${v} was cancelled after ${n(run.processed)} of ${n(run.total)} images.`, kind: "info" };
}

/** The threshold slider's readout: "≥ 50%". */
export function thresholdText(t: number): string {
  return `≥ ${Math.round(Math.min(1, Math.max(0, t)) * 100)}%`;
}
