import { describe, expect, it } from "vitest";
import type { ModelVersion } from "../../api/models";
import { pickTwo, promoteNote, stageActions, upsertVersion } from "./version-stage";

const version = (over: Partial<ModelVersion> = {}): ModelVersion => ({
  id: 1, project: 1, version: 1, source: "trained", task: "classify", architecture: "resnet20", num_classes: 2,
  image_size: 32, status: "ready", error: "", stage: "none", stage_changed_at: null,
  metrics: { split: "test", count: 40, accuracy: 0.9, macro_f1: 0.88 }, run: 3, snapshot: 7, size_bytes: 2 * 1024 * 1024,
  parameters: 272_474, has_onnx: true, onnx_error: "", description: "", created_by: "mia", created_at: "2026-01-01T00:00:00Z", ...over,
});

describe("stage rules", () => {
  it("offers the moves the API accepts", () => {
    const labels = (v: Partial<ModelVersion>): string[] => stageActions(version(v)).map((a) => a.label);
    expect(labels({ stage: "none" })).toEqual(["Promote to staging", "Promote to production", "Archive"]);
    expect(labels({ stage: "staging" })).toEqual(["Promote to production", "Archive"]);
    expect(labels({ stage: "production" })).toEqual(["Archive"]);
    expect(labels({ stage: "archived" })).toEqual(["Roll back to this version", "Promote to staging"]);
    expect(labels({ stage: "none", status: "pending" })).toEqual(["Archive"]);
    expect(labels({ stage: "archived", status: "failed" })).toEqual([]);
  });

  it("says which version a promotion to production replaces", () => {
    const list = [version({ id: 1, version: 1, stage: "production" }), version({ id: 2, version: 2 })];
    expect(promoteNote(list[1]!, "production", list)).toContain("v1 serves classification now; it will be archived");
    expect(promoteNote(list[1]!, "production", [list[1]!])).toBe("v2 will answer the project's predict API.");
    expect(promoteNote(version({ id: 3, version: 3, task: "detect" }), "production", list)).toBe("v3 will answer the project's predict API.");
  });

  it("keeps the list newest first and at most two compare picks", () => {
    const list = [version({ id: 2, version: 2 }), version({ id: 1, version: 1 })];
    expect(upsertVersion(list, version({ id: 3, version: 3 })).map((v) => v.id)).toEqual([3, 2, 1]);
    expect(upsertVersion(list, version({ id: 1, version: 1, stage: "archived" }))[1]!.stage).toBe("archived");
    expect(pickTwo([], 1, true)).toEqual([1]);
    expect(pickTwo([1, 2], 3, true)).toEqual([2, 3]);
    expect(pickTwo([1, 2], 1, false)).toEqual([2]);
  });
});
