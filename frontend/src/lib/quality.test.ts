import { describe, expect, it } from "vitest";
import type { ConsensusDetail } from "../api/quality";
import { agreementColor, goldLabels, tagRows } from "./quality";

describe("agreementColor", () => {
  it("runs from red to green and greys out the unknown", () => {
    expect(agreementColor(0)).toBe("hsl(0 65% 78%)");
    expect(agreementColor(1)).toBe("hsl(120 65% 60%)");
    expect(agreementColor(0.5)).toBe("hsl(60 65% 69%)");
    expect(agreementColor(7)).toBe(agreementColor(1));
    expect(agreementColor(null)).toBe("hsl(0 0% 88%)");
  });
});

describe("tagRows", () => {
  it("lists every tag given, the votes, who gave it and whether the merge keeps it", () => {
    const detail = {
      annotators: [
        { username: "ann", submitted: true, tags: ["sparrow"], boxes: [] },
        { username: "bob", submitted: true, tags: ["sparrow", "robin"], boxes: [] },
        { username: "cy", submitted: false, tags: [], boxes: [] },
      ],
      merged: { tags: [{ label: "sparrow", votes: 2 }], boxes: [], left_out_boxes: 0,
        tag_votes: [{ label: "robin", votes: 1 }, { label: "sparrow", votes: 2 }] },
    } as unknown as ConsensusDetail;
    expect(tagRows(detail)).toEqual([
      { label: "robin", votes: 1, kept: false, by: ["bob"] },
      { label: "sparrow", votes: 2, kept: true, by: ["ann", "bob"] },
    ]);
  });
});

describe("goldLabels", () => {
  it("collects the labels of every row once, sorted", () => {
    expect(goldLabels([{ by_label: [{ label: "robin" }] }, { by_label: [{ label: "crow" }, { label: "robin" }] }]))
      .toEqual(["crow", "robin"]);
  });
});
