/**
 * One live line chart: a uPlot instance in a card with a title, unit, latest value, a live
 * legend (cursor values) and an empty state. Sizes itself to its card, keeps a user's zoom
 * (drag to zoom, double-click to reset) while data streams in, and exposes the number of
 * plotted points as `data-points` for tests.
 */
import uPlot from "uplot";
import { h } from "../lib/dom";
import { countPoints, type Aligned } from "./series";
import { COLORS, FONT, LABEL_FONT, compact } from "./theme";

/** Whole-number tick spacings: steps and epochs are counts. */
const STEP_INCRS = Array.from({ length: 8 }, (_, k) => [1, 2, 5].map((m) => m * 10 ** k)).flat();
const EPOCH_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000];

const xText = (v: number | null): string =>
  v === null || v === undefined ? "–" : Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(2);

function lastValue(arr: (number | null)[] | undefined): number | null {
  if (!arr) return null;
  for (let i = arr.length - 1; i >= 0; i--) if (arr[i] !== null && arr[i] !== undefined) return arr[i]!;
  return null;
}

export interface LineSpec {
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  /** Draw a dot per point (epoch series). */
  points?: boolean;
}

export interface ChartSpec {
  testId: string;
  title: string;
  /** Shown beside the title, e.g. "per step". */
  subtitle: string;
  xLabel: "step" | "epoch";
  yLabel: string;
  lines: LineSpec[];
  /** Values in legend and header. */
  format: (v: number) => string;
  /** Y axis ticks (defaults to `format`). */
  axisFormat?: (v: number) => string;
  empty: string;
  height?: number;
  /** Cursor sync group (charts sharing an x axis). */
  sync?: string;
  /** Index of the line whose latest value goes in the header (default 0). */
  headline?: number;
  yMin?: number;
  yMax?: number;
  /** Offer a log-scale y axis (losses span orders of magnitude). */
  logToggle?: boolean;
}

/** Log axes cannot show values <= 0: they become gaps. */
function positiveOnly(data: Aligned): Aligned {
  return { x: data.x, ys: data.ys.map((y) => y.map((v) => (v !== null && v > 0 ? v : null))) };
}

export class Chart {
  readonly el: HTMLElement;
  readonly controls: HTMLElement;
  private readonly host: HTMLElement;
  private readonly latest: HTMLElement;
  private readonly emptyEl: HTMLElement;
  private plot: uPlot | null = null;
  private data: Aligned = { x: [], ys: [] };
  private zoomed = false;
  private log = false;
  private readonly ro: ResizeObserver | null;

  constructor(private readonly spec: ChartSpec) {
    this.host = h("div", { class: "chart-plot" });
    this.latest = h("span", { class: "chart-latest" });
    this.controls = h("span", { class: "chart-controls" });
    this.emptyEl = h("div", { class: "chart-empty" }, spec.empty);
    this.el = h("figure", { class: "chart-card", "data-testid": spec.testId, "data-points": "0" },
      h("figcaption", { class: "chart-head" },
        h("h3", null, spec.title), h("span", { class: "chart-sub" }, spec.subtitle), h("span", { class: "spacer" }),
        this.controls, this.latest),
      h("div", { class: "chart-body" }, this.host, this.emptyEl),
    );
    if (spec.logToggle) {
      const box = h("input", { type: "checkbox", "aria-label": `${spec.title}: logarithmic y axis` });
      box.addEventListener("change", () => {
        this.log = box.checked;
        this.plot?.destroy();
        this.plot = null;
        this.setData(this.data);
      });
      this.controls.append(h("label", { class: "log-toggle", title: "Logarithmic y axis" }, box, h("span", null, "log")));
    }
    this.ro = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => this.resize());
    this.ro?.observe(this.host);
  }

  setData(data: Aligned): void {
    this.data = data;
    const points = countPoints(data);
    this.el.dataset.points = String(points);
    this.emptyEl.hidden = points > 0;
    this.el.classList.toggle("is-empty", points === 0);
    this.showLatest();
    if (!this.plot) {
      if (points > 0) this.create();
      return;
    }
    this.plot.setData(this.plotted(), !this.zoomed);
  }

  /** The text shown while there is nothing to plot. */
  setEmptyText(text: string): void {
    if (this.emptyEl.textContent !== text) this.emptyEl.textContent = text;
  }

  private plotted(): uPlot.AlignedData {
    const d = this.log ? positiveOnly(this.data) : this.data;
    return [d.x, ...d.ys] as uPlot.AlignedData;
  }

  destroy(): void {
    this.ro?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private showLatest(): void {
    const y = this.data.ys[this.spec.headline ?? 0] ?? [];
    for (let i = y.length - 1; i >= 0; i--) {
      const v = y[i];
      if (v !== null && v !== undefined) {
        this.latest.textContent = this.spec.format(v);
        this.latest.title = `Latest (${this.spec.xLabel} ${this.data.x[i]})`;
        return;
      }
    }
    this.latest.textContent = "";
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(160, Math.floor(this.host.clientWidth)), height: this.spec.height ?? 210 };
  }

  private resize(): void {
    if (!this.plot) return;
    const s = this.size();
    if (s.width !== this.plot.width || s.height !== this.plot.height) this.plot.setSize(s);
  }

  private create(): void {
    const { spec } = this;
    const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : spec.format(v));
    // Legend: the value under the cursor, or the latest value while the cursor is elsewhere.
    const legendValue = (u: uPlot, v: number | null, si: number, idx: number | null, f: (v: number | null) => string): string =>
      f(idx === null ? lastValue(u.data[si] as (number | null)[] | undefined) : v);
    const axisFmt = spec.axisFormat ?? spec.format;
    const yAxisSize = (_u: uPlot, values: string[] | null): number =>
      Math.max(36, 14 + 6.2 * Math.max(0, ...(values ?? []).map((v) => String(v).length)));
    const axisBase = { stroke: COLORS.axis, font: FONT, labelFont: LABEL_FONT, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.tick, width: 1, size: 4 } };
    const epochAxis = spec.xLabel === "epoch";
    const opts: uPlot.Options = {
      ...this.size(),
      pxAlign: 0,
      cursor: {
        sync: spec.sync ? { key: spec.sync } : undefined,
        drag: { x: true, y: false, setScale: true },
        points: { size: 7, width: 2 },
      },
      legend: { live: true },
      scales: {
        x: { time: false },
        y: this.log
          ? { distr: 3, log: 10 }
          : spec.yMin !== undefined || spec.yMax !== undefined
          ? { range: (_u, min, max) => [spec.yMin ?? min, Math.max(spec.yMax ?? max, max)] }
          : {},
      },
      series: [
        { label: spec.xLabel, value: (u, v, si, idx) => legendValue(u, v, si, idx, xText) },
        ...spec.lines.map((l): uPlot.Series => ({
          label: l.label,
          stroke: l.color,
          width: l.width ?? 1.6,
          dash: l.dash,
          spanGaps: true,
          points: l.points ? { show: true, size: 5, fill: l.color } : { show: false },
          value: (u, v, si, idx) => legendValue(u, v, si, idx, fmt),
        })),
      ],
      axes: [
        {
          ...axisBase,
          label: spec.xLabel,
          labelSize: 18,
          incrs: epochAxis ? EPOCH_INCRS : STEP_INCRS,
          values: (_u, splits) => splits.map((v) => compact(v)),
        },
        {
          ...axisBase,
          label: spec.yLabel,
          labelSize: 18,
          size: yAxisSize,
          values: (_u, splits) => splits.map((v) => axisFmt(v)),
        },
      ],
      hooks: {
        setSelect: [(u) => { if (u.select.width > 4) this.zoomed = true; }],
        ready: [(u) => u.over.addEventListener("dblclick", () => { this.zoomed = false; })],
      },
    };
    this.plot = new uPlot(opts, this.plotted(), this.host);
  }
}
