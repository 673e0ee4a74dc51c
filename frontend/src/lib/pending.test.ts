import { describe, expect, it } from "vitest";
import { PendingSet } from "./pending";

describe("PendingSet", () => {
  it("expires ids after the timeout without extending deadlines", () => {
    const p = new PendingSet(60_000);
    p.add(1, 0);
    p.add(2, 30_000);
    p.add(1, 50_000); // already watched: deadline stays at 60 s
    expect(p.expire(59_999)).toEqual([]);
    expect(p.expire(60_000)).toEqual([1]);
    expect(p.has(1)).toBe(false);
    p.resolve(2);
    expect(p.size).toBe(0);
  });

  it("polls a long list round-robin", () => {
    const p = new PendingSet();
    for (const id of [1, 2, 3, 4, 5]) p.add(id, 0);
    expect(p.take(2)).toEqual([1, 2]);
    expect(p.take(2)).toEqual([3, 4]);
    expect(p.take(2)).toEqual([5, 1]);
    expect(p.take(10)).toEqual([1, 2, 3, 4, 5]);
  });
});
