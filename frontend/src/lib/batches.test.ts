import { describe, expect, it } from "vitest";
import type { Batch } from "../api/batches";
import { batchLabellerUrl, overdue } from "./batches";

const b = (over: Partial<Batch>): Batch => ({
  id: 7, project: 3, project_name: "Birds", name: "Batch 1", assignee: "ada", due: null, images: 10, done: 2,
  next_image: 41, created_at: "", updated_at: "", ...over,
});

describe("batches", () => {
  it("opens the labeller on the next image, inside the batch", () => {
    expect(batchLabellerUrl(b({}))).toBe("/projects/3/label/41/?batch=7");
    expect(batchLabellerUrl(b({ next_image: null }))).toBeNull();
  });

  it("is overdue only past its day and while unfinished", () => {
    const today = new Date(2026, 11, 3);
    expect(overdue(b({ due: "2026-12-02" }), today)).toBe(true);
    expect(overdue(b({ due: "2026-12-03" }), today)).toBe(false);
    expect(overdue(b({ due: "2026-12-02", done: 10 }), today)).toBe(false);
    expect(overdue(b({}), today)).toBe(false);
  });
});
