import { describe, expect, it } from "vitest";
import type { AutoAnnotationRun } from "../../api/autoannotate";
import { countsText, finishMessage, isFinished, justFinished, progressText, runFraction, thresholdText, upsertRun } from "./autoannotate-progress";

function run(over: Partial<AutoAnnotationRun> = {}): AutoAnnotationRun {
  return {
    id: 1, project: 1, model_version: { id: 9, version: 3, architecture: "resnet20" }, classifier_version: null, classifiers: {},
    mode: "classify", scope: "unlabelled", filters: {}, threshold: 0.5, status: "running", finished: false,
    total: 100, processed: 32, progress: 0.32, counts: {}, error: "", created_by: "ann",
    created_at: "2024-01-01T00:00:00Z", started_at: null, finished_at: null, ...over,
  };
}

describe("progress", () => {
  it("floors the percentage and shows processed/total", () => {
    expect(progressText(run({ processed: 999, total: 1000 }))).toBe("999 / 1,000 images · 99%");
    expect(progressText(run({ processed: 32, total: 100 }))).toBe("32 / 100 images · 32%");
    expect(progressText(run({ processed: 32, total: 100 }), false)).toBe("32 / 100 images");
  });

  it("is full once succeeded and empty-waiting while queued", () => {
    expect(runFraction(run({ status: "succeeded", processed: 90, total: 100 }))).toBe(1);
    expect(progressText(run({ status: "queued", processed: 0, total: 1 }))).toBe("1 image · waiting for a worker");
    expect(runFraction(run({ total: 0, progress: 2 }))).toBe(1);
  });

  it("lists only the non-zero counts", () => {
    expect(countsText({})).toBe("0 predictions");
    expect(countsText({ predictions: 1, images_with_predictions: 1, unmapped: 2, replaced: 0 })).toBe("1 prediction · on 1 image · 2 unmapped");
  });
});

describe("upsertRun", () => {
  it("adds newest first and replaces by id", () => {
    let list = upsertRun([], run({ id: 1 }));
    list = upsertRun(list, run({ id: 2 }));
    expect(list.map((r) => r.id)).toEqual([2, 1]);
    list = upsertRun(list, run({ id: 1, processed: 64 }));
    expect(list.find((r) => r.id === 1)!.processed).toBe(64);
  });

  it("ignores a late, older payload", () => {
    const done = run({ status: "succeeded", finished: true, processed: 100 });
    expect(upsertRun([done], run({ processed: 64 }))[0]).toBe(done);
    const at64 = run({ processed: 64 });
    expect(upsertRun([at64], run({ processed: 32 }))[0]).toBe(at64);
  });
});

describe("finishing", () => {
  it("toasts once, on the first finished sighting", () => {
    const done = run({ status: "succeeded", finished: true });
    expect(justFinished(run(), done)).toBe(true);
    expect(justFinished(done, done)).toBe(false);
    expect(isFinished(run({ status: "cancelled", finished: false }))).toBe(true);
  });

  it("says what happened", () => {
    expect(finishMessage(run({ status: "succeeded", counts: { predictions: 5, images_with_predictions: 4 } })).text)
      .toBe("Pre-labelling with v3 finished: 5 predictions on 4 images.");
    expect(finishMessage(run({ status: "failed", error: "boom" }))).toEqual({ text: "Pre-labelling with v3 failed: boom", kind: "error" });
    expect(thresholdText(0.456)).toBe("≥ 46%");
  });
});
