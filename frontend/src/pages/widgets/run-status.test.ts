import { describe, expect, it } from "vitest";
import type { TrainingRun } from "../../api/runs";
import {
  applyProgress, canCancel, canResume, elapsedSeconds, etaText, formatDuration, formatEpoch, formatLr, formatMetric, formatNumber,
  headlineMetric, isActive, isGoodMetric, usesGpu, isFinished, latestByName, sortRuns, statusText, stepText, upsertRun,
} from "./run-status";

const run = (over: Partial<TrainingRun> = {}): TrainingRun => ({
  id: 1, project: 1, task: "classify", architecture: "resnet20", status: "running", progress: 0.25, step: 25,
  total_steps: 100, epoch: 1, epochs: 4, device: "cpu", worker: "w1", params: {}, best_metrics: {}, latest: {},
  eta_seconds: 75, error: "", snapshot: null, created_by: "admin", created_at: "2024-01-01T00:00:00Z",
  started_at: "2024-01-01T00:00:05Z", finished_at: null, heartbeat_at: null, ...over,
});

describe("status helpers", () => {
  it("groups statuses", () => {
    expect(isActive("queued") && isActive("running") && isActive("cancelling")).toBe(true);
    for (const s of ["cancelled", "interrupted", "failed", "succeeded"] as const) expect(isFinished(s)).toBe(true);
    expect(canCancel("queued") && canCancel("running")).toBe(true);
    expect(canCancel("cancelling") || canCancel("succeeded")).toBe(false);
    expect(canResume("cancelled") && canResume("interrupted") && canResume("failed")).toBe(true);
    expect(canResume("succeeded") || canResume("running")).toBe(false);
    expect(statusText("succeeded")).toBe("Succeeded");
    expect(statusText("weird")).toBe("weird");
  });
});

describe("ETA and durations", () => {
  it("formats durations", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(42.4)).toBe("42s");
    expect(formatDuration(754)).toBe("12m 34s");
    expect(formatDuration(7380)).toBe("2h 03m");
    expect(formatDuration(100_000)).toBe("1d 3h");
    expect(formatDuration(null)).toBe("–");
    expect(formatDuration(-1)).toBe("–");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("–");
  });

  it("says what the ETA is per status", () => {
    expect(etaText(run())).toBe("ETA 1m 15s");
    expect(etaText(run({ eta_seconds: null }))).toBe("ETA estimating…");
    expect(etaText(run({ eta_seconds: null, step: 0 }))).toBe("starting…");
    expect(etaText(run({ status: "queued" }))).toBe("waiting for a worker");
    expect(etaText(run({ status: "succeeded" }))).toBe("");
  });

  it("measures elapsed time", () => {
    expect(elapsedSeconds(null, null)).toBeNull();
    expect(elapsedSeconds("2024-01-01T00:00:00Z", "2024-01-01T00:01:30Z")).toBe(90);
    expect(elapsedSeconds("2024-01-01T00:00:00Z", null, Date.parse("2024-01-01T00:00:10Z"))).toBe(10);
  });

  it("formats steps", () => {
    expect(stepText(1234, 5000)).toBe("1,234 / 5,000");
    expect(stepText(0, 0)).toBe("–");
    expect(stepText(7, 0)).toBe("7");
  });
});

describe("metric formatting", () => {
  it("shows fractions as percent and losses with 4 significant digits", () => {
    expect(formatMetric("val_accuracy", 0.9712)).toBe("97.1%");
    expect(formatMetric("map50", 0.5)).toBe("50.0%");
    expect(formatMetric("train_loss", 0.312345)).toBe("0.3123");
    expect(formatMetric("throughput", 812.44)).toBe("812.4 img/s");
    expect(formatMetric("gpu_mem_mb", 1234.6)).toBe("1,235 MB");
    expect(formatMetric("val_loss", null)).toBe("–");
    expect(formatNumber(12345.6)).toBe("12,346");
    expect(formatNumber(0.00001234)).toBe("1.23e−5");
    expect(formatLr(0.05)).toBe("0.05");
    expect(formatLr(0.0001)).toBe("1.00e−4");
    expect(formatLr(0)).toBe("0");
  });

  it("picks the headline metric per task", () => {
    expect(headlineMetric("classify", { val_accuracy: 0.97, val_loss: 0.1 })).toMatchObject({ name: "val_accuracy", label: "acc", text: "97.0%" });
    expect(headlineMetric("detect", { map: 0.3, map50: 0.55 })).toMatchObject({ name: "map50", text: "55.0%" });
    expect(headlineMetric("detect", { map: 0.3 })).toMatchObject({ name: "map" });
    expect(headlineMetric("classify", {})).toBeNull();
    expect(headlineMetric("classify", null)).toBeNull();
  });
});

describe("applying events", () => {
  it("moves counters, latest values and best metrics", () => {
    const r = run({ best_metrics: { val_accuracy: 0.5, val_loss: 1.0 }, latest: { train_loss: 2 } });
    const next = applyProgress(r, {
      id: 1, step: 50, total_steps: 100, progress: 0.5, epoch: 2, eta_seconds: 30,
      best_metrics: { val_accuracy: 0.5, val_loss: 1.0 }, // epoch 2 was not better
      metrics: [
        { step: 49, epoch: 2, name: "train_loss", value: 0.9 },
        { step: 50, epoch: 2, name: "train_loss", value: 0.8 },
        { step: 50, epoch: 2, name: "val_accuracy", value: 0.45 },
        { step: 50, epoch: 2, name: "val_loss", value: 0.7 },
      ],
    });
    expect(next).not.toBe(r);
    expect(next.step).toBe(50);
    expect(next.progress).toBe(0.5);
    expect(next.eta_seconds).toBe(30);
    expect(next.latest.train_loss).toBe(0.8);
    // the best epoch's figures together, as the server has them: not epoch 2's lower loss
    expect(next.best_metrics).toEqual({ val_accuracy: 0.5, val_loss: 1.0 });
    expect(r.step).toBe(25);
  });

  it("keeps the best metrics it has when an event carries none", () => {
    const r = run({ best_metrics: { val_accuracy: 0.5 } });
    const next = applyProgress(r, { id: 1, step: 30, total_steps: 100, progress: 0.3, epoch: 1, eta_seconds: 5,
      metrics: [{ step: 30, epoch: 1, name: "val_accuracy", value: 0.9 }] });
    expect(next.best_metrics).toEqual({ val_accuracy: 0.5 });
    expect(next.latest.val_accuracy).toBe(0.9);
  });

  it("ignores other runs and never moves progress backwards", () => {
    const r = run();
    expect(applyProgress(r, { id: 2, step: 99, total_steps: 100, progress: 0.99, epoch: 4, eta_seconds: 1 })).toBe(r);
    const back = applyProgress(r, { id: 1, step: 10, total_steps: 100, progress: 0.1, epoch: 1, eta_seconds: 1 });
    expect(back.step).toBe(25);
    expect(back.progress).toBe(0.25);
  });

  it("a queued run that reports progress is running", () => {
    expect(applyProgress(run({ status: "queued" }), { id: 1, step: 1, total_steps: 10, progress: 0.1, epoch: 0, eta_seconds: null }).status).toBe("running");
  });

  it("latestByName keeps the highest step", () => {
    expect(latestByName([
      { step: 3, epoch: 0, name: "lr", value: 0.3 }, { step: 1, epoch: 0, name: "lr", value: 0.1 },
    ])).toEqual({ lr: 0.3 });
  });

  it("upserts and sorts runs newest first", () => {
    const a = run({ id: 1, created_at: "2024-01-01T00:00:00Z" });
    const b = run({ id: 2, created_at: "2024-01-02T00:00:00Z" });
    expect(sortRuns([a, b]).map((r) => r.id)).toEqual([2, 1]);
    const list = upsertRun([b, a], run({ id: 1, status: "succeeded", created_at: a.created_at }));
    expect(list.map((r) => [r.id, r.status])).toEqual([[2, "running"], [1, "succeeded"]]);
    expect(upsertRun(list, run({ id: 3, created_at: "2024-01-03T00:00:00Z" })).map((r) => r.id)).toEqual([3, 2, 1]);
  });
});

describe("epochs", () => {
  it("shows whole and fractional epochs", () => {
    expect(formatEpoch(2)).toBe("2");
    expect(formatEpoch(2.4567)).toBe("2.5");
    expect(formatEpoch(null)).toBe("0");
  });
});

describe("good metrics (the only green ones)", () => {
  it("is good only well above the bar", () => {
    expect(isGoodMetric("val_accuracy", 0.97, 10)).toBe(true);
    expect(isGoodMetric("accuracy", 0.0, 5)).toBe(false);
    expect(isGoodMetric("accuracy", 0.6, 10)).toBe(false);
    expect(isGoodMetric("map50", 0.62)).toBe(true);
    expect(isGoodMetric("map50", 0.2)).toBe(false);
  });
  it("must close most of the gap to perfect from chance", () => {
    expect(isGoodMetric("accuracy", 0.85, 2)).toBe(true);
    expect(isGoodMetric("accuracy", 0.85, 1)).toBe(false); // one class: always right, means nothing
    expect(isGoodMetric("accuracy", 0.7, 2)).toBe(false);
  });
  it("is never good for unknown names or missing values", () => {
    expect(isGoodMetric("val_loss", 0.01)).toBe(false);
    expect(isGoodMetric("accuracy", null)).toBe(false);
    expect(isGoodMetric("accuracy", Number.NaN)).toBe(false);
  });
});

describe("GPU or not", () => {
  it("has no GPU memory to show on a CPU", () => {
    expect(usesGpu({ device: "cpu" })).toBe(false);
    expect(usesGpu({ device: "cuda:0" })).toBe(true);
    expect(usesGpu({ device: "" })).toBe(true); // not started yet: keep the card
  });
});
