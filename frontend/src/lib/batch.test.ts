import { describe, expect, it } from "vitest";
import {
  batchOutcome,
  emptyResult,
  isAcceptable,
  mergeResults,
  planBatches,
  ProgressTracker,
} from "./batch";

const MB = 1024 * 1024;
const f = (name: string, size: number, type = "") => ({ name, size, type });

describe("planBatches", () => {
  it("caps each request at maxFiles", () => {
    const files = Array.from({ length: 120 }, (_, i) => f(`img${i}.jpg`, 1000));
    const batches = planBatches(files, { maxFiles: 50, maxBytes: 64 * MB });
    expect(batches.map((b) => b.files.length)).toEqual([50, 50, 20]);
    expect(batches.flatMap((b) => b.files)).toEqual(files); // order kept, nothing lost
  });

  it("caps each request at maxBytes", () => {
    const files = [f("a.jpg", 30 * MB), f("b.jpg", 30 * MB), f("c.jpg", 30 * MB)];
    const batches = planBatches(files, { maxFiles: 50, maxBytes: 64 * MB });
    expect(batches.map((b) => b.files.map((x) => x.name))).toEqual([["a.jpg", "b.jpg"], ["c.jpg"]]);
    expect(batches[0]!.bytes).toBe(60 * MB);
  });

  it("sends every zip alone and keeps images batched around it", () => {
    const files = [f("a.jpg", 10), f("set.ZIP", 500), f("b.png", 10), f("c.zip", 5, "application/zip")];
    const batches = planBatches(files);
    expect(batches.map((b) => [b.zip, b.files.map((x) => x.name)])).toEqual([
      [false, ["a.jpg", "b.png"]],
      [true, ["set.ZIP"]],
      [true, ["c.zip"]],
    ]);
  });

  it("puts a file larger than maxBytes in a request of its own", () => {
    const batches = planBatches([f("s.jpg", 1), f("huge.tif", 100 * MB), f("t.jpg", 1)], {
      maxFiles: 50,
      maxBytes: 64 * MB,
    });
    expect(batches.map((b) => b.files.map((x) => x.name))).toEqual([["s.jpg"], ["huge.tif"], ["t.jpg"]]);
  });

  it("returns no batches for no files", () => {
    expect(planBatches([])).toEqual([]);
  });
});

describe("isAcceptable", () => {
  it("takes images by type or extension and zips, rejects the rest", () => {
    expect(isAcceptable(f("x.JPEG", 1))).toBe(true);
    expect(isAcceptable(f("noext", 1, "image/png"))).toBe(true);
    expect(isAcceptable(f("a.zip", 1))).toBe(true);
    expect(isAcceptable(f("notes.txt", 1, "text/plain"))).toBe(false);
  });
});

describe("ProgressTracker", () => {
  it("weights each batch's XHR fraction by its file bytes", () => {
    const t = new ProgressTracker([300, 100]);
    expect(t.fraction).toBe(0);
    t.update(0, 50, 100); // half of batch 0 (multipart total differs from file bytes)
    expect(t.sent).toBe(150);
    expect(t.fraction).toBeCloseTo(150 / 400);
    t.complete(0);
    t.update(1, 1, 4);
    expect(t.sent).toBe(325);
    t.complete(1);
    expect(t.fraction).toBe(1);
  });

  it("never moves backwards and ignores bad indexes", () => {
    const t = new ProgressTracker([100]);
    t.update(0, 80, 100);
    t.update(0, 10, 100);
    t.update(5, 100, 100);
    expect(t.sent).toBe(80);
  });
});

describe("batchOutcome", () => {
  it("keeps per-file results of a 201", () => {
    const o = batchOutcome(201, { created: [1, 2], duplicates: [{ file: "d.jpg" }], errors: [], labels_created: ["cat"] }, []);
    expect(o.created).toEqual([1, 2]);
    expect(o.duplicates).toHaveLength(1);
    expect(o.message).toBeNull();
  });

  it("keeps the per-file errors of a 400 with lists", () => {
    const o = batchOutcome(400, { detail: "bad.jpg: Not an image", code: "invalid_upload", created: [], duplicates: [], errors: [{ file: "bad.jpg", detail: "Not an image" }] }, [f("bad.jpg", 3)]);
    expect(o.errors).toEqual([{ file: "bad.jpg", detail: "Not an image" }]);
    expect(o.message).toBeNull();
  });

  it("turns a bare error answer into one error naming the batch", () => {
    const o = batchOutcome(403, { detail: "You do not have permission." }, [f("a.jpg", 1), f("b.jpg", 1)]);
    expect(o.errors).toEqual([{ file: "2 files", detail: "You do not have permission.", code: "403" }]);
    expect(o.message).toBe("You do not have permission.");
    const single = batchOutcome(502, null, [f("only.zip", 1)]);
    expect(single.errors[0]!.file).toBe("only.zip");
    expect(single.errors[0]!.detail).toMatch(/502/);
  });
});

describe("mergeResults", () => {
  it("concatenates lists and de-duplicates created labels", () => {
    const a = { ...emptyResult(), created: [1], labels_created: ["cat"] };
    const b = { ...emptyResult(), created: [2, 3], errors: [{ file: "x", detail: "y" }], labels_created: ["cat", "dog"] };
    const m = mergeResults(a, b);
    expect(m.created).toEqual([1, 2, 3]);
    expect(m.errors).toHaveLength(1);
    expect(m.labels_created).toEqual(["cat", "dog"]);
  });
});
