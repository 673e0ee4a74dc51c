import { describe, expect, it } from "vitest";
import { atLeast, parseRole } from "./context";
import { nextColor } from "./labels";

describe("roles", () => {
  it("orders roles", () => {
    expect(atLeast("owner", "manager")).toBe(true);
    expect(atLeast("annotator", "manager")).toBe(false);
    expect(atLeast(null, "annotator")).toBe(false);
    expect(parseRole("manager")).toBe("manager");
    expect(parseRole("admin")).toBeNull();
  });
});

describe("nextColor", () => {
  it("suggests an unused label colour", () => {
    expect(nextColor([])).toBe("#e6194b");
    expect(nextColor(["#E6194B"])).toBe("#3cb44b");
  });
});
