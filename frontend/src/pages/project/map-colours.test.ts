import { describe, expect, it } from "vitest";
import type { EmbeddingMap } from "../../api/curation";
import { colouring } from "./map-colours";

const map = (): EmbeddingMap => ({
  space: "version:1", method: "pca", count: 4, total: 4,
  ids: [1, 2, 3, 4], x: [0, 1, 0, 1], y: [0, 0, 1, 1],
  label: [10, 11, null, 10], split: ["train", "val", "unassigned", "train"],
  uniqueness: [0, 0.5, null, 1], mistakenness: [0.99, 0.01, null, 0.4], excluded: [false, false, false, true],
  labels: [{ id: 10, name: "cat", color: "#ff0000" }, { id: 11, name: "dog", color: "#00ff00" }],
});

describe("colouring", () => {
  it("colours by label, unlabelled in grey, with a legend of what is there", () => {
    const c = colouring(map(), "label");
    expect([...c.indices]).toEqual([1, 2, 0, 1]);
    expect(c.palette[1]).toBe("#ff0000");
    expect(c.legend.map((l) => [l.text, l.count])).toEqual([["No label", 1], ["cat", 2], ["dog", 1]]);
  });

  it("colours by split", () => {
    const c = colouring(map(), "split");
    expect(c.legend.map((l) => [l.text, l.count])).toEqual([["Train", 2], ["Val", 1], ["No split", 1]]);
  });

  it("bins scores low to high, the top bin holding 1, unscored apart", () => {
    const m = colouring(map(), "mistakenness");
    expect([...m.indices]).toEqual([6, 1, 0, 3]);
    const u = colouring(map(), "uniqueness");
    expect([...u.indices]).toEqual([1, 4, 0, 6]);
    expect(u.legend[0]).toEqual({ colour: "#5d6675", text: "Not scored", count: 1 });
  });
});
