import { describe, expect, it } from "vitest";
import { uncertaintyLevel, uncertaintyWidth } from "./uncertainty";

describe("uncertainty bar", () => {
  it("scales 0..1 to a percentage, clamped, with a visible minimum", () => {
    expect(uncertaintyWidth(0.5)).toBe(50);
    expect(uncertaintyWidth(1)).toBe(100);
    expect(uncertaintyWidth(1.7)).toBe(100);
    expect(uncertaintyWidth(0)).toBe(4);
    expect(uncertaintyWidth(-0.2)).toBe(4);
  });

  it("shows nothing for images never scored", () => {
    expect(uncertaintyWidth(null)).toBeNull();
    expect(uncertaintyWidth(undefined)).toBeNull();
    expect(uncertaintyWidth(Number.NaN)).toBeNull();
  });

  it("colours by level", () => {
    expect(uncertaintyLevel(0.1)).toBe("u-low");
    expect(uncertaintyLevel(0.33)).toBe("u-mid");
    expect(uncertaintyLevel(0.9)).toBe("u-high");
  });
});
