/** Run page side panels: metric cards, failure box, dataset snapshot and the resolved params. */
import type { TrainingRun } from "../../api/runs";
import { h, replaceChildren } from "../../lib/dom";
import { formatCount, plural } from "../../lib/format";
import { issueItem, splitNotes } from "../widgets/data-check";
import { formatMetric, isGoodMetric, usesGpu } from "../widgets/run-status";
import { orderedParams, paramLabel } from "../widgets/training-params";

interface CardDef {
  name: string;
  label: string;
  source: "best" | "latest";
}

const CLASSIFY_CARDS: CardDef[] = [
  { name: "val_accuracy", label: "Best val accuracy", source: "best" },
  { name: "val_top5", label: "Best val top-5", source: "best" },
  { name: "val_loss", label: "Best val loss", source: "best" },
];
const DETECT_CARDS: CardDef[] = [
  { name: "map50", label: "Best mAP@0.5", source: "best" },
  { name: "map", label: "Best mAP@0.5:0.95", source: "best" },
  { name: "val_loss", label: "Best val loss", source: "best" },
];
const LATEST_CARDS: CardDef[] = [
  { name: "train_loss", label: "Train loss", source: "latest" },
  { name: "throughput", label: "Throughput", source: "latest" },
  { name: "gpu_mem_mb", label: "GPU memory", source: "latest" },
];

export function renderCards(root: HTMLElement, run: TrainingRun): void {
  const latest = usesGpu(run) ? LATEST_CARDS : LATEST_CARDS.filter((d) => d.name !== "gpu_mem_mb");
  const defs = [...(run.task === "detect" ? DETECT_CARDS : CLASSIFY_CARDS), ...latest];
  const known = new Set(defs.map((d) => d.name));
  const extra = Object.keys(run.best_metrics ?? {}).filter((k) => !known.has(k) && typeof run.best_metrics[k] === "number");
  const cards = [...defs, ...extra.map((name): CardDef => ({ name, label: `Best ${name}`, source: "best" }))];
  replaceChildren(root, cards.map((d, i) => {
    const v = d.source === "best" ? run.best_metrics?.[d.name] : run.latest?.[d.name];
    const has = typeof v === "number" && Number.isFinite(v);
    const good = i === 0 && isGoodMetric(d.name, v, run.snapshot?.classes?.length ?? 0);
    return h("div", { class: `metric-card${i === 0 ? " headline" : ""}${good ? " good" : ""}${has ? "" : " is-empty"}`, "data-metric": d.name, "data-good": String(good) },
      h("span", { class: "metric-label" }, d.label),
      h("b", { class: "metric-value" }, has ? formatMetric(d.name, v) : "–"),
      h("span", { class: "metric-note" }, d.source === "best" ? "best so far" : "latest"));
  }));
}

export function renderError(root: HTMLElement, run: TrainingRun): void {
  const show = Boolean(run.error) && (run.status === "failed" || run.status === "interrupted" || run.status === "cancelled");
  root.hidden = !show;
  if (!show) return;
  const title = run.status === "failed" ? "The run failed" : run.status === "interrupted" ? "The run was interrupted" : "The run was cancelled";
  replaceChildren(root,
    h("div", { class: "run-error-head" }, h("b", null, title),
      h("span", { class: "muted small" }, "Resume continues from the last checkpoint.")),
    h("pre", { class: "run-error-text", "data-testid": "run-error" }, run.error));
}

export function renderSnapshot(root: HTMLElement, run: TrainingRun): void {
  const s = run.snapshot;
  if (!s) {
    replaceChildren(root, h("h3", null, "Dataset snapshot"), h("p", { class: "muted small" }, "No snapshot recorded."));
    return;
  }
  const { warnings } = splitNotes(run.warnings ?? []); // the left-out note is said just above
  const keys = ["train", "val", "test", "unassigned"] as const;
  const splits = keys.map((k) => [k, (s.splits as Record<string, number> | undefined)?.[k] ?? 0] as const)
    .filter(([k, n]) => n > 0 || k !== "unassigned");
  const total = splits.reduce((a, [, n]) => a + n, 0) || s.images || 0;
  replaceChildren(root,
    h("div", { class: "side-head" }, h("h3", null, "Dataset snapshot"), h("span", { class: "muted small" }, `#${s.id}`)),
    h("p", { class: "snap-total" }, h("b", null, formatCount(s.images ?? total)), " images, frozen when the run started"),
    h("div", { class: "split-bar snap-bar", "aria-hidden": "true" },
      splits.filter(([, n]) => n > 0).map(([k, n]) => h("span", { class: `seg split-${k}`, style: `flex-grow:${n}` }, total && n / total > 0.08 ? k : ""))),
    h("div", { class: "result-stats" }, (splits.some(([, n]) => n > 0) ? splits.filter(([, n]) => n > 0) : splits).map(([k, n]) => h("span", { class: `stat-chip split-${k}` }, `${k} ${formatCount(n)}`))),
    (s.splits as Record<string, number> | undefined)?.unassigned
      ? h("p", { class: "muted small" }, "Images without a split: the worker held some out for validation.")
      : null,
    s.left_out
      ? h("p", { class: "muted small", "data-testid": "snapshot-left-out" },
        `${plural(s.left_out, "project image")} with no ${run.task === "detect" ? "boxes" : "tags"} left out.`)
      : null,
    warnings.length
      ? h("ul", { class: "data-issues run-warnings", "data-testid": "run-warnings" }, warnings.map((w) => issueItem(w, "warning")))
      : null,
    h("h4", { class: "snap-classes-head" }, plural(s.classes?.length ?? 0, "class", "classes")),
    h("div", { class: "chips" }, (s.classes ?? []).map((c) => h("span", { class: "chip plain" }, c))),
  );
}

export function renderParams(root: HTMLElement, run: TrainingRun): void {
  const rows = orderedParams(run.params ?? {}).filter(([k]) => k !== "task" && k !== "architecture");
  replaceChildren(root,
    h("h3", null, "Parameters"),
    rows.length
      ? h("dl", { class: "params-list", "data-testid": "run-params" }, rows.map(([k, v]) => [
        h("dt", { title: k }, paramLabel(k)),
        h("dd", { class: "mono", title: String(v ?? "") }, paramText(k, v)),
      ]))
      : h("p", { class: "muted small" }, "No parameters recorded."),
  );
}

function paramText(name: string, v: unknown): string {
  if (name === "pretrained") return v ? "yes" : "no";
  if (v === null || v === undefined || v === "") return "–";
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}
