import { describe, expect, it } from "vitest";
import type { ModelVersion } from "../../api/models";
import { alignByLabel, headlineRows, splitWarning } from "./compare";

const version = (over: Partial<ModelVersion> = {}): ModelVersion => ({
  id: 1, project: 1, version: 1, source: "trained", task: "classify", architecture: "resnet20", num_classes: 2,
  image_size: 32, status: "ready", error: "", stage: "none", stage_changed_at: null,
  metrics: { split: "test", count: 40, accuracy: 0.9, macro_f1: 0.88 }, run: 3, snapshot: 7, size_bytes: 2 * 1024 * 1024,
  parameters: 272_474, has_onnx: true, onnx_error: "", description: "", created_by: "mia", created_at: "2026-01-01T00:00:00Z", ...over,
});

describe("compare: classes aligned by name", () => {
  it("pairs rows by label whatever their order, and keeps classes only one side has", () => {
    const a = [{ label: "sparrow", v: 1 }, { label: "robin", v: 2 }, { label: "owl", v: 3 }];
    const b = [{ label: "robin", v: 20 }, { label: "wren", v: 40 }, { label: "sparrow", v: 10 }];
    const rows = alignByLabel(a, b);
    expect(rows.map((r) => r.label)).toEqual(["sparrow", "robin", "owl", "wren"]);
    expect(rows[0]).toEqual({ label: "sparrow", a: a[0], b: b[2] });
    expect(rows[2]!.b).toBeNull();
    expect(rows[3]!.a).toBeNull();
    expect(alignByLabel([], b).map((r) => r.label)).toEqual(["robin", "wren", "sparrow"]);
  });

  it("computes headline deltas as B − A", () => {
    const a = version({ id: 1, version: 1 });
    const b = version({ id: 2, version: 2, metrics: { split: "test", count: 40, accuracy: 0.95, macro_f1: 0.8 }, size_bytes: 1024 * 1024 });
    const rows = Object.fromEntries(headlineRows(a, b).map((r) => [r.key, r]));
    expect(rows.accuracy).toMatchObject({ a: "90.0%", b: "95.0%", delta: { text: "+5.0 pts", tone: "better" } });
    expect(rows.macro_f1!.delta).toMatchObject({ text: "−8.0 pts", tone: "worse" });
    expect(rows.size_bytes!.delta).toMatchObject({ text: "−1.0 MB", tone: "better" });
    expect(rows.count!.delta).toMatchObject({ text: "±0", tone: "same" });
    expect(headlineRows(version({ task: "detect", metrics: { map50: 0.5 } }), version({ task: "detect", metrics: {} }))[0]).toMatchObject({
      key: "map50", a: "50.0%", b: "—", delta: { tone: "none" },
    });
  });

  it("warns when the held-out sets differ", () => {
    expect(splitWarning(version(), version({ version: 2 }))).toBe("");
    expect(splitWarning(version(), version({ snapshot: 9 }))).toContain("different dataset snapshots");
    expect(splitWarning(version({ snapshot: null }), version({ snapshot: null, version: 2, metrics: { split: "val" } }))).toContain("val split");
  });
});
