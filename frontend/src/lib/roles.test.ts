import { describe, expect, it } from "vitest";
import { atLeast, parseRole } from "./roles";

describe("roles", () => {
  it("orders roles", () => {
    expect(atLeast("owner", "manager")).toBe(true);
    expect(atLeast("annotator", "manager")).toBe(false);
    expect(atLeast(null, "annotator")).toBe(false);
    expect(parseRole("manager")).toBe("manager");
    expect(parseRole("admin")).toBeNull();
    expect(parseRole("constructor")).toBeNull();
    expect(parseRole("reviewer")).toBe("reviewer");
    expect(atLeast("reviewer", "annotator")).toBe(true);
    expect(atLeast("reviewer", "manager")).toBe(false);
  });
});
