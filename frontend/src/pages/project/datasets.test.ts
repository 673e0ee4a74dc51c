import { describe, expect, it } from "vitest";
import type { DatasetImport } from "../../api/datasets";
import { importSummary } from "./datasets";

const job = (counts: DatasetImport["counts"]): DatasetImport => ({
  id: 1, project: 1, status: "succeeded", progress: 1, total: 3, processed: 3, errors: [], error: "",
  created_at: "2026-12-01T00:00:00Z", finished_at: null, format: "auto", detected_format: "coco",
  filename: "set.zip", options: {}, counts,
});

describe("importSummary", () => {
  it("says what was created and only the non-zero rest", () => {
    expect(importSummary(job({ images_created: 2, images_existing: 1, annotations_created: 4, annotations_existing: 0,
      boxes_clipped: 1, skipped: 1, labels_created: ["owl"] })))
      .toBe("2 images created · 1 already here · 4 annotations · 1 boxes clipped · 1 skipped · new labels: owl");
  });
  it("reads a second import of the same archive as nothing new", () => {
    expect(importSummary(job({ images_created: 0, images_existing: 3, annotations_created: 0, annotations_existing: 5 })))
      .toBe("0 images created · 3 already here · 0 annotations · 5 already there");
  });
});

describe("video imports", () => {
  it("tells video files from archives and reports left-out frames", async () => {
    const { isVideo } = await import("../../api/datasets");
    expect(isVideo("Clip.MP4")).toBe(true);
    expect(isVideo("set.zip")).toBe(false);
    expect(importSummary(job({ images_created: 4, frames_skipped: 36 }))).toContain("36 frames left out");
  });
});
