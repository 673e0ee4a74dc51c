import { describe, expect, it } from "vitest";
import { decodeSource, encodeSource, sourceOptions } from "./train-source";

describe("train on", () => {
  it("round-trips a scale class's crops through one select value, colons and all", () => {
    for (const c of [{ source: "crops", scale_class: "1:4 #1" }, { source: "tags", scale_class: "" }] as const) {
      expect(decodeSource(encodeSource(c))).toEqual(c);
    }
    expect(decodeSource("crops:1:4 #1")).toEqual({ source: "crops", scale_class: "1:4 #1" });
  });

  it("offers a detector scale classes only once the tool has named some", () => {
    expect(sourceOptions("detect", {})).toEqual([
      ["boxes", "Boxes, by label", false],
      ["scale_classes", "Boxes, by scale class (run Scale classes on the Dataset tab)", true],
    ]);
    expect(sourceOptions("detect", { wide: 3, tall: 2 })[1]).toEqual(["scale_classes", "Boxes, by scale class (2 classes)", false]);
  });

  it("offers a classifier the crops of each scale class, sorted by name", () => {
    const values = sourceOptions("classify", { wide: 1200, tall: 2 }).map(([v]) => v);
    expect(values).toEqual(["tags", "crops", "crops:tall", "crops:wide"]);
    expect(sourceOptions("classify", { wide: 1200 })[2]![1]).toBe("Box crops of scale class “wide” (1,200)");
  });
});
