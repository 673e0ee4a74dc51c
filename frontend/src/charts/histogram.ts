/**
 * Bar charts for the Dataset tab: a histogram over given bin edges (log-spaced sizes, aspect
 * ratios) and a scatter of box sizes by label, both uPlot in the same card as the run page's
 * charts. `data-total` / `data-points` say what is plotted, for tests.
 */
import uPlot from "uplot";
import { h } from "../lib/dom";
import { COLORS, FONT, LABEL_FONT, compact } from "./theme";

const AXIS = { stroke: COLORS.axis, font: FONT, labelFont: LABEL_FONT, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.tick, width: 1, size: 4 } };

function card(testId: string, title: string, subtitle: string): { el: HTMLElement; host: HTMLElement; empty: HTMLElement } {
  const host = h("div", { class: "chart-plot" });
  const empty = h("div", { class: "chart-empty", hidden: true }, "No boxes");
  const el = h("figure", { class: "chart-card", "data-testid": testId },
    h("figcaption", { class: "chart-head" }, h("h3", null, title), h("span", { class: "chart-sub" }, subtitle)),
    h("div", { class: "chart-body" }, host, empty));
  return { el, host, empty };
}

export interface HistogramSpec {
  testId: string;
  title: string;
  subtitle: string;
  /** A bin edge as the axis and legend show it ("12 px", "1:4"). */
  format: (edge: number) => string;
  color: string;
  height?: number;
}

export class HistogramChart {
  readonly el: HTMLElement;
  private readonly host: HTMLElement;
  private readonly empty: HTMLElement;
  private plot: uPlot | null = null;

  constructor(private readonly spec: HistogramSpec) {
    ({ el: this.el, host: this.host, empty: this.empty } = card(spec.testId, spec.title, spec.subtitle));
  }

  setData(edges: number[], counts: number[]): void {
    this.plot?.destroy();
    this.plot = null;
    const total = counts.reduce((a, b) => a + b, 0);
    this.el.dataset.total = String(total);
    this.empty.hidden = total > 0;
    if (total === 0) return;
    const { format, color } = this.spec;
    const n = counts.length;
    const x = counts.map((_, i) => i + 0.5);
    const every = Math.max(1, Math.ceil(n / 6));
    const bin = (i: number): string => `${format(edges[i]!)} – ${format(edges[i + 1]!)}`;
    this.plot = new uPlot({
      width: Math.max(200, this.host.clientWidth || 320), height: this.spec.height ?? 170, pxAlign: 0,
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      legend: { live: true },
      scales: { x: { time: false, range: [0, n] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.08)] } },
      series: [
        { label: "bin", value: (_u, v) => (v === null || v === undefined ? "–" : bin(Math.floor(v))) },
        { label: "boxes", fill: `${color}b3`, stroke: color, width: 1,
          paths: uPlot.paths.bars!({ size: [0.9, Infinity], align: 0 }), points: { show: false },
          value: (_u, v) => (v === null || v === undefined ? "–" : v.toLocaleString("en-US")) },
      ],
      axes: [
        { ...AXIS, splits: () => Array.from({ length: Math.floor(n / every) + 1 }, (_, k) => k * every),
          values: (_u, splits) => splits.map((i) => (edges[i] === undefined ? "" : format(edges[i]!))) },
        { ...AXIS, size: 44, values: (_u, splits) => splits.map((v) => (v === null || v === undefined ? "" : compact(v))) },
      ],
    }, [x, counts] as uPlot.AlignedData, this.host);
  }

  destroy(): void {
    this.plot?.destroy();
  }
}

export interface ScatterSeries {
  label: string;
  color: string;
  w: number[];
  h: number[];
}

/** Box width against height, both on log axes, one colour per label. */
export class ScatterChart {
  readonly el: HTMLElement;
  private readonly host: HTMLElement;
  private readonly empty: HTMLElement;
  private plot: uPlot | null = null;

  constructor(testId: string, title: string, subtitle: string) {
    ({ el: this.el, host: this.host, empty: this.empty } = card(testId, title, subtitle));
  }

  setData(series: ScatterSeries[]): void {
    this.plot?.destroy();
    this.plot = null;
    const points = series.flatMap((s, si) => s.w.map((w, i) => [w, s.h[i]!, si] as const)).filter(([w, hh]) => w > 0 && hh > 0);
    this.el.dataset.points = String(points.length);
    this.empty.hidden = points.length > 0;
    if (points.length === 0) return;
    points.sort((a, b) => a[0] - b[0]);
    const x = points.map((p) => p[0]);
    const ys = series.map((_, si) => points.map((p) => (p[2] === si ? p[1] : null)));
    this.plot = new uPlot({
      width: Math.max(240, this.host.clientWidth || 480), height: 300, pxAlign: 0,
      cursor: { drag: { x: true, y: true, setScale: true }, points: { size: 8 } },
      legend: { live: false },
      scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      series: [
        { label: "width px" },
        ...series.map((s): uPlot.Series => ({
          label: s.label, stroke: s.color, fill: s.color, paths: () => null,
          points: { show: true, size: 4, fill: `${s.color}cc`, stroke: s.color, width: 0 },
        })),
      ],
      axes: [
        { ...AXIS, label: "width (px)", labelSize: 18, values: (_u, splits) => splits.map((v) => (v === null || v === undefined ? "" : compact(v))) },
        { ...AXIS, label: "height (px)", labelSize: 18, size: 44, values: (_u, splits) => splits.map((v) => (v === null || v === undefined ? "" : compact(v))) },
      ],
    }, [x, ...ys] as uPlot.AlignedData, this.host);
  }

  destroy(): void {
    this.plot?.destroy();
  }
}
