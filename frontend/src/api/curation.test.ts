import { describe, expect, it } from "vitest";
import { spaceVersion, thresholdText } from "./curation";

describe("curation wire helpers", () => {
  it("says a distance the way people read it", () => {
    expect(thresholdText("hamming", 6 / 64)).toBe("6 of 64 hash bits differ");
    expect(thresholdText("hamming", 0)).toBe("0 of 64 hash bits differ");
    expect(thresholdText("cosine", 0.05)).toBe("cosine ≥ 0.95");
  });

  it("maps a space select's value to its model version (empty: the perceptual hash)", () => {
    expect(spaceVersion("")).toBeNull();
    expect(spaceVersion("12")).toBe(12);
  });
});
