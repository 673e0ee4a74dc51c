import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  it("grows exponentially, caps, and jitters into [half, full]", () => {
    expect(backoffDelay(0, { base: 1000 }, () => 1)).toBe(1000);
    expect(backoffDelay(3, { base: 1000 }, () => 1)).toBe(8000);
    expect(backoffDelay(3, { base: 1000 }, () => 0)).toBe(4000);
    expect(backoffDelay(50, { base: 1000, max: 30000 }, () => 1)).toBe(30000);
  });
});
