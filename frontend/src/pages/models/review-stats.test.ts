import { describe, expect, it } from "vitest";
import { correctionText, reviewSegments } from "./review-stats";

describe("reviewSegments", () => {
  it("splits the bar in review order and sums to 100", () => {
    const s = reviewSegments({ accepted: 1, corrected: 1, rejected: 1, pending: 0 });
    expect(s.map((x) => x.part)).toEqual(["accepted", "corrected", "rejected"]);
    expect(s.reduce((a, x) => a + x.width, 0)).toBeCloseTo(100, 5);
    expect(s.map((x) => x.width)).toEqual([33.4, 33.3, 33.3]);
  });

  it("is empty when there is nothing to show", () => {
    expect(reviewSegments(null)).toEqual([]);
    expect(reviewSegments({ accepted: 0, pending: 0 })).toEqual([]);
  });

  it("keeps tiny parts visible as counted", () => {
    const s = reviewSegments({ accepted: 999, rejected: 1 });
    expect(s).toEqual([{ part: "accepted", count: 999, width: 99.9 }, { part: "rejected", count: 1, width: 0.1 }]);
  });
});

describe("correctionText", () => {
  it("reads the rate or says nothing was reviewed", () => {
    expect(correctionText({ correction_rate: null })).toBe("nothing reviewed yet");
    expect(correctionText({ correction_rate: 0.25 })).toBe("correction rate 25%: corrected or rejected among reviewed");
    expect(correctionText({ correction_rate: 0.05 })).toBe("correction rate 5.0%: corrected or rejected among reviewed");
  });
});
