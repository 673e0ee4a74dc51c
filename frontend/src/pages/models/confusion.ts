/**
 * The confusion matrix as a heatmap: a CSS grid (counts in cells, axis labels, a hover title
 * per cell) up to 60 classes, a canvas beyond that; both scroll inside their card.
 */
import { h } from "../../lib/dom";
import { pct } from "../widgets/version-metrics";
import { cellSize, cellText, cellTitle, heatColor, rgb, rowNormalise, rowTotals, topConfusions } from "./heatmap";

const GRID_MAX = 60;

function labelSpace(labels: readonly string[]): number {
  const longest = labels.reduce((a, l) => Math.max(a, l.length), 0);
  return Math.min(150, Math.max(48, longest * 7 + 12));
}

function legend(): HTMLElement {
  const ramp = (diag: boolean): string => `linear-gradient(90deg, ${[0, 0.05, 0.25, 0.5, 1].map((f) => rgb(heatColor(f, diag))).join(", ")})`;
  return h("div", { class: "cm-legend", "aria-hidden": "true" },
    h("span", null, "0%"), h("i", { style: `background:${ramp(true)}` }), h("span", null, "100% correct"),
    h("span", { class: "gap" }), h("i", { style: `background:${ramp(false)}` }), h("span", null, "confused"));
}

function gridMatrix(labels: readonly string[], m: readonly (readonly number[])[]): HTMLElement {
  const n = labels.length;
  const size = cellSize(n);
  const norm = rowNormalise(m);
  const totals = rowTotals(m);
  const head = Math.max(labelSpace(labels), 84);
  const grid = h("div", {
    class: "cm-grid", role: "table", "aria-label": "Confusion matrix",
    style: `grid-template-columns:${head}px repeat(${n}, ${size}px) 40px;grid-template-rows:${head}px repeat(${n}, ${size}px);--cell:${size}px`,
  });
  grid.append(h("div", { class: "cm-corner" }, h("span", { class: "cm-axis-pred" }, "predicted →"), h("span", { class: "cm-axis-true" }, "true ↓")));
  for (const l of labels) grid.append(h("div", { class: "cm-col-label", title: `predicted ${l}` }, h("span", null, l)));
  grid.append(h("div", { class: "cm-col-label cm-total-head", title: "images of the true class" }, h("span", null, "n")));
  labels.forEach((t, i) => {
    grid.append(h("div", { class: "cm-row-label", title: `true ${t}` }, t));
    labels.forEach((p, j) => {
      const n_ = m[i]?.[j] ?? 0;
      const c = heatColor(norm[i]?.[j] ?? 0, i === j);
      grid.append(h("div", {
        class: `cm-cell${i === j ? " diag" : ""}${n_ === 0 ? " zero" : ""}`, role: "cell", "data-testid": "cm-cell", "data-count": String(n_),
        title: cellTitle(t, p, n_, totals[i] ?? 0), style: `background:${rgb(c)};color:${cellText(c)}`,
      }, n_ === 0 && n > 12 ? "" : String(n_)));
    });
    grid.append(h("div", { class: "cm-total", title: `${totals[i]} images of ${t}` }, String(totals[i] ?? 0)));
  });
  return grid;
}

function canvasMatrix(labels: readonly string[], m: readonly (readonly number[])[]): HTMLElement {
  const n = labels.length;
  const cell = 8;
  const norm = rowNormalise(m);
  const totals = rowTotals(m);
  const canvas = h("canvas", { class: "cm-canvas", width: String(n * cell), height: String(n * cell), "data-testid": "cm-canvas", style: `width:${n * cell}px;height:${n * cell}px` });
  const g = canvas.getContext("2d");
  for (let i = 0; g && i < n; i++) {
    for (let j = 0; j < n; j++) {
      g.fillStyle = rgb(heatColor(norm[i]?.[j] ?? 0, i === j));
      g.fillRect(j * cell, i * cell, cell, cell);
    }
  }
  canvas.addEventListener("mousemove", (e) => {
    const i = Math.floor(e.offsetY / cell);
    const j = Math.floor(e.offsetX / cell);
    if (i >= 0 && j >= 0 && i < n && j < n) canvas.title = cellTitle(labels[i]!, labels[j]!, m[i]?.[j] ?? 0, totals[i] ?? 0);
  });
  return h("div", null, h("p", { class: "muted small" }, `${n} classes: one pixel block per cell; hover for counts.`), canvas);
}

/** "Most confused": the off-diagonal cells with the most images, largest first. */
function topList(labels: readonly string[], m: readonly (readonly number[])[]): HTMLElement {
  const top = topConfusions(m, 10);
  const totals = rowTotals(m);
  return h("div", { class: "cm-top", "data-testid": "cm-top" },
    h("h4", null, "Most confused"),
    top.length
      ? h("ol", null, top.map((c) => h("li", { title: cellTitle(labels[c.t] ?? "?", labels[c.p] ?? "?", c.n, totals[c.t] ?? 0) },
        h("span", { class: "cm-top-pair" }, h("b", null, labels[c.t] ?? "?"), h("span", { class: "muted" }, " → "), labels[c.p] ?? "?"),
        h("span", { class: "cm-top-n" }, String(c.n)), h("span", { class: "muted small" }, pct(c.share, 0)))))
      : h("p", { class: "muted small" }, "No confusions: every held-out image was classified correctly."));
}

export function confusionMatrix(labels: readonly string[], matrix: readonly (readonly number[])[], withTop = false): HTMLElement {
  const body = labels.length <= GRID_MAX ? gridMatrix(labels, matrix) : canvasMatrix(labels, matrix);
  const cm = h("div", { class: "cm" }, h("div", { class: "cm-scroll" }, body), legend());
  return withTop ? h("div", { class: `cm-layout${labels.length > 16 ? " stacked" : ""}` }, cm, topList(labels, matrix)) : cm;
}
