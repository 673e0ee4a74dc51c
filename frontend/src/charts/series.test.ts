import { describe, expect, it } from "vitest";
import type { MetricRow } from "../api/runs";
import { byEpoch, byStep, countPoints, decimate, ema, lowerBound, MetricStore } from "./series";

const row = (step: number, name: string, value: number, epoch = 0): MetricRow => ({ step, epoch, name, value });

describe("MetricStore", () => {
  it("keeps each metric sorted by step and reports what changed", () => {
    const s = new MetricStore();
    const changed = s.add([row(2, "train_loss", 0.8), row(1, "train_loss", 1.0), row(2, "lr", 0.1), row(3, "train_loss", 0.7)]);
    expect([...changed].sort()).toEqual(["lr", "train_loss"]);
    expect(s.get("train_loss").steps).toEqual([1, 2, 3]);
    expect(s.get("train_loss").values).toEqual([1.0, 0.8, 0.7]);
    expect(s.lastStep).toBe(3);
    expect(s.size()).toBe(4);
  });

  it("dedupes by step+name: a repeated row replaces, an identical one changes nothing", () => {
    const s = new MetricStore();
    s.add([row(1, "train_loss", 1), row(2, "train_loss", 0.9)]);
    const v = s.version;
    expect(s.add([row(2, "train_loss", 0.9)]).size).toBe(0);
    expect(s.version).toBe(v);
    s.add([row(2, "train_loss", 0.85), row(1, "val_loss", 1.2)]);
    expect(s.get("train_loss").values).toEqual([1, 0.85]);
    expect(s.get("train_loss").steps).toEqual([1, 2]);
    expect(s.get("val_loss").steps).toEqual([1]);
  });

  it("overlapping history and live batches give one point per step", () => {
    const s = new MetricStore();
    const history = Array.from({ length: 100 }, (_, i) => row(i + 1, "train_loss", 1 / (i + 1)));
    const live = Array.from({ length: 20 }, (_, i) => row(91 + i, "train_loss", 1 / (91 + i)));
    s.add(live);
    s.add(history);
    expect(s.get("train_loss").steps.length).toBe(110);
    expect(new Set(s.get("train_loss").steps).size).toBe(110);
  });

  it("turns non-finite values into gaps and ignores malformed rows", () => {
    const s = new MetricStore();
    s.add([row(1, "train_loss", Number.NaN), { step: Number.NaN, epoch: 0, name: "x", value: 1 } as MetricRow, null as unknown as MetricRow]);
    expect(s.get("train_loss").values).toEqual([null]);
    expect(s.has("x")).toBe(false);
  });

  it("refetches from one step back so rows written at the last step are not missed", () => {
    const s = new MetricStore();
    expect(s.refetchAfter()).toBeNull();
    s.add([row(40, "train_loss", 1)]);
    expect(s.refetchAfter()).toBe(39);
  });

  it("lowerBound finds insertion points", () => {
    expect(lowerBound([1, 3, 5], 0)).toBe(0);
    expect(lowerBound([1, 3, 5], 3)).toBe(1);
    expect(lowerBound([1, 3, 5], 4)).toBe(2);
    expect(lowerBound([1, 3, 5], 9)).toBe(3);
  });
});

describe("series assembly", () => {
  it("aligns per-epoch series with gaps", () => {
    const s = new MetricStore();
    s.add([row(10, "val_accuracy", 0.5, 1), row(20, "val_accuracy", 0.6, 2), row(20, "val_top5", 0.9, 2), row(30, "val_accuracy", 0.7, 3)]);
    const d = byEpoch([s.get("val_accuracy"), s.get("val_top5")]);
    expect(d.x).toEqual([1, 2, 3]);
    expect(d.ys).toEqual([[0.5, 0.6, 0.7], [null, 0.9, null]]);
    expect(countPoints(d)).toBe(3);
  });

  it("per-epoch: the latest step wins for a repeated epoch", () => {
    const s = new MetricStore();
    s.add([row(10, "val_loss", 0.9, 1), row(12, "val_loss", 0.8, 1)]);
    expect(byEpoch([s.get("val_loss")])).toEqual({ x: [1], ys: [[0.8]] });
  });

  it("byStep copies (later adds do not mutate a drawn frame)", () => {
    const s = new MetricStore();
    s.add([row(1, "lr", 0.1)]);
    const d = byStep(s.get("lr"));
    s.add([row(2, "lr", 0.2)]);
    expect(d.x).toEqual([1]);
  });

  it("smooths with a debiased EMA", () => {
    expect(ema([1, 1, 1], 0.9).map((v) => +v!.toFixed(6))).toEqual([1, 1, 1]);
    expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const e = ema([2, null, 0], 0.5);
    expect(e[0]).toBe(2);
    expect(e[1]).toBeNull();
    expect(e[2]).toBeCloseTo((2 * 0.5 * 0.5 + 0) / (1 - 0.25), 6); // acc=0.5 after two steps / debias 0.75
  });
});

describe("decimate", () => {
  it("leaves small series alone", () => {
    const d = { x: [1, 2, 3], ys: [[1, 2, 3]] };
    expect(decimate(d, 100)).toBe(d);
  });

  it("caps long series, keeps the ends, order and spikes", () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => (i === 54_321 ? 50 : Math.sin(i / 1000)));
    const smooth = y.map((v) => v / 2);
    const d = decimate({ x, ys: [y, smooth] }, 20_000);
    expect(d.x.length).toBeLessThanOrEqual(20_001);
    expect(d.x.length).toBeGreaterThan(10_000);
    expect(d.x[0]).toBe(0);
    expect(d.x[d.x.length - 1]).toBe(n - 1);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]!).toBeGreaterThan(d.x[i - 1]!);
    expect(d.x).toContain(54_321);
    expect(Math.max(...(d.ys[0] as number[]))).toBe(50);
    const k = d.x.indexOf(54_321);
    expect(d.ys[1]![k]).toBe(25);
  });

  it("handles nulls in the primary series", () => {
    const x = Array.from({ length: 1000 }, (_, i) => i);
    const y = x.map((i) => (i % 2 ? null : i));
    const d = decimate({ x, ys: [y] }, 100);
    expect(d.x.length).toBeLessThanOrEqual(101);
    expect(d.ys[0]!.filter((v) => v !== null).length).toBeGreaterThan(0);
  });
});

describe("MetricStore.clear", () => {
  it("forgets rows and the last step", () => {
    const s = new MetricStore();
    s.add([{ step: 5, epoch: 1, name: "lr", value: 1 }]);
    s.clear();
    expect(s.size()).toBe(0);
    expect(s.lastStep).toBeNull();
    expect(s.refetchAfter()).toBeNull();
  });
});
