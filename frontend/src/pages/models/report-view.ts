/** Per-class tables of a held-out report: precision/recall bars (classify), AP bars (detect,
 * segment: mask AP), IoU bars (semantic). */
import type { ClassifyClassRow, ClassifyReport, DetectClassRow, DetectReport, VersionMetrics } from "../../api/models";
import { h, replaceChildren } from "../../lib/dom";
import { DASH, isNum, pct } from "../widgets/version-metrics";
import { fractionBar } from "../widgets/version-ui";

type Key = "order" | "label" | "precision" | "recall" | "f1" | "support" | "ap" | "ap50" | "iou";

/** Semantic segmentation: IoU per class (null: in neither truth nor prediction), pixels. */
export interface SemanticClassRow {
  label: string;
  iou: number | null;
  support: number;
}

export interface SemanticReport extends VersionMetrics {
  per_class?: SemanticClassRow[];
}

/** Sorted copy; undefined (null) values sort first when ascending: they are the ones to look at. */
function sortClassRows<T extends { label: string }>(rows: readonly T[], key: Key, asc: boolean): T[] {
  if (key === "order") return [...rows];
  const val = (r: T): number | string => {
    if (key === "label") return r.label.toLowerCase();
    const v = (r as unknown as Record<string, unknown>)[key];
    return isNum(v) ? v : -1;
  };
  return [...rows].sort((a, b) => {
    const x = val(a);
    const y = val(b);
    const c = x < y ? -1 : x > y ? 1 : 0;
    return asc ? c : -c;
  });
}

function sortableTable<T extends { label: string }>(
  rows: readonly T[],
  cols: { key: Key; title: string; cls?: string }[],
  cells: (r: T) => HTMLElement[],
  testId: string,
): HTMLElement {
  let key: Key = "order";
  let asc = true;
  const body = h("tbody");
  const heads = cols.map((c) => {
    const btn = h("button", { type: "button", class: "th-sort", title: `Sort by ${c.title.toLowerCase()}` }, c.title);
    btn.addEventListener("click", () => {
      if (key === c.key) asc = !asc;
      else {
        key = c.key;
        asc = c.key === "label";
      }
      paint();
    });
    return h("th", { class: c.cls ?? "" }, btn);
  });
  function paint(): void {
    heads.forEach((th, i) => th.setAttribute("aria-sort", cols[i]!.key === key ? (asc ? "ascending" : "descending") : "none"));
    replaceChildren(body, sortClassRows(rows, key, asc).map((r) => h("tr", { "data-testid": "class-row", "data-label": r.label }, cells(r))));
  }
  paint();
  return h("div", { class: "report-scroll" }, h("table", { class: "table report-table", "data-testid": testId }, h("thead", null, h("tr", null, heads)), body));
}

export function classifyTable(report: ClassifyReport): HTMLElement {
  const rows: ClassifyClassRow[] = report.per_class ?? [];
  return sortableTable(rows, [
    { key: "label", title: "Class", cls: "col-class" }, { key: "precision", title: "Precision" }, { key: "recall", title: "Recall" },
    { key: "f1", title: "F1", cls: "col-num" }, { key: "support", title: "Support", cls: "col-num" },
  ], (r) => [
    h("td", { class: "class-name", title: r.label }, r.label),
    h("td", null, fractionBar(r.precision, "precision")),
    h("td", null, fractionBar(r.recall, "recall")),
    h("td", { class: "num" }, isNum(r.f1) ? pct(r.f1) : DASH),
    h("td", { class: "num muted" }, String(r.support ?? 0)),
  ], "classify-report");
}

export function iouTable(report: SemanticReport): HTMLElement {
  const rows: SemanticClassRow[] = report.per_class ?? [];
  return sortableTable(rows, [
    { key: "label", title: "Class", cls: "col-class" }, { key: "iou", title: "IoU" }, { key: "support", title: "Pixels", cls: "col-num" },
  ], (r) => [
    h("td", { class: "class-name", title: r.label }, r.label),
    h("td", null, fractionBar(r.iou, "iou")),
    h("td", { class: "num muted" }, (r.support ?? 0).toLocaleString("en-US")),
  ], "semantic-report");
}

export function detectTable(report: DetectReport, counted = "Boxes"): HTMLElement {
  const rows: DetectClassRow[] = report.per_class ?? [];
  return sortableTable(rows, [
    { key: "label", title: "Class", cls: "col-class" }, { key: "ap", title: "AP@.5:.95" }, { key: "ap50", title: "AP@.5" },
    { key: "support", title: counted, cls: "col-num" },
  ], (r) => [
    h("td", { class: "class-name", title: r.label }, r.label),
    h("td", null, fractionBar(r.ap, "ap")),
    h("td", null, fractionBar(r.ap50, "ap50")),
    h("td", { class: "num muted" }, String(r.support ?? 0)),
  ], "detect-report");
}
