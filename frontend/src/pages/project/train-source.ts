/**
 * The New run form's "Train on": image tags or box crops for a classifier, boxes by label or
 * by scale class for a detector. Scale classes come from the Dataset tab's tool: a detector of
 * shape classes, then a classifier on each shape's crops, make the two-stage pipeline that
 * Pre-label runs with a classifier per class.
 */
import type { TrainTask } from "../../api/common";
import type { SourceChoice, TrainSource } from "../../api/runs";
import { workbench } from "../../api/workbench";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatCount } from "../../lib/format";

export interface SourceField {
  el: HTMLElement;
  value: () => SourceChoice;
  /** Offer the choices of `task` (keeping the current one where it still fits). */
  setTask: (task: TrainTask) => void;
}

/** A choice as one select value: "crops:<name>" is the crops of one scale class. */
export function encodeSource(c: SourceChoice): string {
  return c.scale_class ? `${c.source}:${c.scale_class}` : c.source;
}

export function decodeSource(value: string): SourceChoice {
  const at = value.indexOf(":");
  if (at < 0) return { source: value as TrainSource | "", scale_class: "" };
  return { source: value.slice(0, at) as TrainSource, scale_class: value.slice(at + 1) };
}

/** The options for a task: [value, text, disabled]. */
export function sourceOptions(task: TrainTask, scaleClasses: Record<string, number>): [string, string, boolean][] {
  const names = Object.keys(scaleClasses).sort();
  if (task === "segment" || task === "semantic") return [["shapes", "Polygons and masks, by label", false]];
  if (task === "detect") {
    return [
      ["boxes", "Boxes, by label", false],
      ["scale_classes", names.length ? `Boxes, by scale class (${names.length} classes)` : "Boxes, by scale class (run Scale classes on the Dataset tab)", !names.length],
    ];
  }
  return [
    ["tags", "Image tags", false],
    ["crops", "Box crops, by box label", false],
    ...names.map((n): [string, string, boolean] => [`crops:${n}`, `Box crops of scale class “${n}” (${formatCount(scaleClasses[n]!)})`, false]),
  ];
}

export function sourceField(projectId: number, onChange: () => void): SourceField {
  const sel = h("select", { name: "source", "aria-label": "Train on", "data-testid": "train-source" });
  let task: TrainTask = "classify";
  let scaleClasses: Record<string, number> = {};
  const fill = (): void => {
    const keep = sel.value;
    const opts = sourceOptions(task, scaleClasses);
    replaceChildren(sel, opts.map(([v, t, off]) => {
      const o = option(v, t);
      o.disabled = off;
      return o;
    }));
    if (opts.some(([v, , off]) => v === keep && !off)) sel.value = keep;
  };
  sel.addEventListener("change", onChange);
  void workbench.stats(projectId, {}).then(
    (stats) => {
      scaleClasses = stats.scale_classes.counts;
      const before = sel.value;
      fill();
      if (sel.value !== before) onChange();
    },
    () => { /* no scale classes offered; the other choices still work */ },
  );
  fill();
  return {
    el: h("label", { class: "field-v" }, h("span", null, "Train on"), sel),
    value: () => decodeSource(sel.value),
    setTask: (t) => {
      task = t;
      fill();
    },
  };
}
