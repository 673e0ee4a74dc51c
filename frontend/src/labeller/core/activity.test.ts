import { describe, expect, it } from "vitest";
import { ActiveClock } from "./activity";

describe("ActiveClock", () => {
  it("counts time in use and stops a minute after the last input", () => {
    const c = new ActiveClock(60_000);
    c.tick(0, true);
    c.input(0);
    c.tick(30_000, true);
    expect(c.take()).toBe(30);
    c.tick(200_000, true); // idle since 60 s: only 30 s more count
    expect(c.take()).toBe(30);
    c.tick(260_000, true);
    expect(c.take()).toBe(0);
  });

  it("does not count a hidden page, nor before any input", () => {
    const c = new ActiveClock(60_000);
    c.tick(0, true);
    c.tick(10_000, true);
    expect(c.take()).toBe(0);
    c.input(10_000);
    c.tick(20_000, false);
    expect(c.take()).toBe(0);
    c.tick(25_500, true);
    expect(c.take()).toBe(5);
    c.tick(26_000, true); // the half second left over is kept
    expect(c.take()).toBe(1);
  });
});
