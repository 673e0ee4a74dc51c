import { describe, expect, it } from "vitest";
import { nextColor } from "./labels";

describe("nextColor", () => {
  it("suggests an unused label colour", () => {
    expect(nextColor([])).toBe("#e6194b");
    expect(nextColor(["#E6194B"])).toBe("#3cb44b");
  });
});
