/**
 * The run page's six live charts, fed from one MetricStore. Redraws are coalesced to one per
 * animation frame and only touch charts whose metrics changed; long step series are
 * decimated before they reach uPlot.
 */
import type { TrainTask } from "../../api/common";
import { Chart, type ChartSpec } from "../../charts/chart";
import { byEpoch, byStep, decimate, ema, type Aligned, type MetricStore } from "../../charts/series";
import { COLORS } from "../../charts/theme";
import { h } from "../../lib/dom";
import { formatLr, formatNumber } from "../widgets/run-status";

/** Above this many points a series is decimated (min/max per bucket). */
const MAX_POINTS = 20_000;
const SMOOTHING_KEY = "labelforge.chart.smoothing";

interface Panel {
  chart: Chart;
  emptyText?: string;
  names: string[];
  build: (store: MetricStore) => Aligned;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const pctAxis = (v: number): string => `${+(v * 100).toFixed(1)}%`;
const loss = (v: number): string => formatNumber(v);

function stepChart(store: MetricStore, name: string): Aligned {
  return decimate(byStep(store.get(name)), MAX_POINTS);
}

export class RunCharts {
  readonly el: HTMLElement;
  private readonly panels: Panel[];
  private readonly gpuChart: HTMLElement;
  private readonly dirty = new Set<Panel>();
  private frame = 0;
  private smoothing: number;

  constructor(private readonly store: MetricStore, task: TrainTask) {
    this.smoothing = readSmoothing();
    const trainLoss: Panel = {
      chart: new Chart(spec({
        testId: "chart-train-loss", title: "Train loss", subtitle: "per step", xLabel: "step", yLabel: "loss",
        lines: [
          { label: "raw", color: COLORS.accentFaint, width: 1 },
          { label: "smoothed", color: COLORS.accent, width: 2 },
        ],
        format: loss, empty: "Waiting for the first training step…", sync: "step", height: 250, logToggle: true,
      })),
      names: ["train_loss"],
      build: (s) => {
        const raw = byStep(s.get("train_loss"));
        const y = raw.ys[0] ?? [];
        return decimate({ x: raw.x, ys: [y, ema(y, this.smoothing)] }, MAX_POINTS);
      },
    };
    trainLoss.chart.controls.append(this.smoothingControl(trainLoss));

    const valLoss: Panel = {
      chart: new Chart(spec({
        testId: "chart-val-loss", title: "Validation loss", subtitle: "per epoch", xLabel: "epoch", yLabel: "loss",
        lines: [{ label: "val loss", color: COLORS.amber, width: 2, points: true }],
        format: loss, empty: "Appears after the first epoch's validation.", sync: "epoch", height: 250, logToggle: true,
      })),
      names: ["val_loss"],
      build: (s) => byEpoch([s.get("val_loss")]),
    };

    /** A per-epoch quality chart of two metrics (solid, dashed), as fractions. */
    const epochPair = (testId: string, title: string, yLabel: string, labels: [string, string], names: [string, string],
      extra: { empty?: string; yMin?: number } = {}): Panel => ({
      chart: new Chart(spec({
        testId, title, subtitle: "per epoch", xLabel: "epoch", yLabel,
        lines: [
          { label: labels[0], color: COLORS.green, width: 2, points: true },
          { label: labels[1], color: COLORS.teal, width: 2, points: true, dash: [5, 4] },
        ],
        format: pct, axisFormat: pctAxis, empty: extra.empty ?? "Appears after the first epoch's evaluation.", sync: "epoch",
        ...(extra.yMin !== undefined ? { yMin: extra.yMin } : {}), height: 250,
      })),
      names,
      build: (s) => byEpoch([s.get(names[0]), s.get(names[1])]),
    });
    const quality: Panel = task === "semantic"
      ? epochPair("chart-miou", "Validation mean IoU", "IoU", ["mean IoU", "pixel accuracy"], ["miou", "pixel_accuracy"], { yMin: 0 })
      : task === "detect" || task === "segment"
        ? epochPair("chart-map", "Validation mAP", "mAP", ["mAP@0.5", "mAP@0.5:0.95"], ["map50", "map"], { yMin: 0 })
        : epochPair("chart-val-accuracy", "Validation accuracy", "accuracy", ["top-1", "top-5"], ["val_accuracy", "val_top5"],
          { empty: "Appears after the first epoch's validation." });

    const small = (testId: string, title: string, name: string, yLabel: string, color: string, format: (v: number) => string, empty: string): Panel => ({
      chart: new Chart(spec({
        testId, title, subtitle: "per step", xLabel: "step", yLabel, lines: [{ label: yLabel, color, width: 1.6 }],
        format, empty, sync: "step", height: 170,
      })),
      names: [name],
      build: (s) => stepChart(s, name),
    });
    const lr = small("chart-lr", "Learning rate", "lr", "lr", COLORS.violet, formatLr, "No learning-rate samples yet.");
    const tput = small("chart-throughput", "Throughput", "throughput", "img/s", COLORS.teal,
      (v) => `${formatNumber(v)} img/s`, "No throughput samples yet.");
    const mem = small("chart-gpu-mem", "GPU memory", "gpu_mem_mb", "MB", COLORS.pink,
      (v) => `${Math.round(v).toLocaleString("en-US")} MB`, "No GPU memory samples (0 on CPU).");

    this.panels = [trainLoss, valLoss, quality, lr, tput, mem];
    this.gpuChart = mem.chart.el;
    for (const p of this.panels) p.emptyText = p.chart.el.querySelector(".chart-empty")?.textContent ?? "";
    this.el = h("section", { class: "run-charts", "aria-label": "Training charts" },
      h("div", { class: "chart-row chart-row-main" }, trainLoss.chart.el, valLoss.chart.el, quality.chart.el),
      h("div", { class: "chart-row chart-row-small" }, lr.chart.el, tput.chart.el, mem.chart.el),
      h("p", { class: "muted small chart-hint" }, "Drag across a chart to zoom, double-click to reset. Charts sharing an axis move their cursors together."),
    );
  }

  /** Redraw the charts reading any of `names` (all when omitted) on the next frame. */
  invalidate(names?: Iterable<string>): void {
    if (names === undefined) for (const p of this.panels) this.dirty.add(p);
    else {
      const set = new Set(names);
      for (const p of this.panels) if (p.names.some((n) => set.has(n))) this.dirty.add(p);
    }
    if (this.dirty.size && !this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  /** The GPU memory chart only where there is a GPU (a CPU run would chart 0 MB). */
  showGpu(on: boolean): void {
    this.gpuChart.hidden = !on;
    this.gpuChart.parentElement?.classList.toggle("no-gpu", !on);
  }

  /** Once a run has ended, an empty chart means "never recorded", not "wait". */
  setEnded(ended: boolean): void {
    for (const p of this.panels) {
      if (ended) p.chart.setEmptyText("Nothing was recorded for this chart.");
      else p.chart.setEmptyText(p.emptyText ?? "");
    }
  }

  destroy(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    for (const p of this.panels) p.chart.destroy();
  }

  private flush(): void {
    this.frame = 0;
    const todo = [...this.dirty];
    this.dirty.clear();
    for (const p of todo) p.chart.setData(p.build(this.store));
  }

  private smoothingControl(panel: Panel): HTMLElement {
    const out = h("output", { class: "mono" }, this.smoothing.toFixed(2));
    const input = h("input", {
      type: "range", min: "0", max: "0.99", step: "0.01", value: String(this.smoothing),
      "aria-label": "Smoothing of the train loss line", title: "Exponential moving average weight",
    });
    input.addEventListener("input", () => {
      this.smoothing = Number(input.value);
      out.textContent = this.smoothing.toFixed(2);
      try { localStorage.setItem(SMOOTHING_KEY, String(this.smoothing)); } catch { /* private mode */ }
      this.dirty.add(panel);
      if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
    });
    return h("label", { class: "smoothing" }, h("span", null, "smoothing"), input, out);
  }
}

function spec(s: ChartSpec): ChartSpec {
  return s;
}

function readSmoothing(): number {
  try {
    const v = Number(localStorage.getItem(SMOOTHING_KEY));
    if (localStorage.getItem(SMOOTHING_KEY) !== null && Number.isFinite(v) && v >= 0 && v < 1) return v;
  } catch { /* private mode */ }
  return 0.8;
}
