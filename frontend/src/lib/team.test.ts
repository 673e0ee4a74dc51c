import { describe, expect, it } from "vitest";
import type { DayStats } from "../api/team";
import { axisTicks, dailySeries, dayRange, formatDuration, labelledDays, perHour } from "./team";

const row = (day: string, username: string, images_done: number): DayStats => ({
  day, username, images_done, boxes: 0, tags: 0, shapes: 0, accepted: 0, rejected: 0, reviewed: 0, active_seconds: 0,
});

describe("team statistics", () => {
  it("lists the days of a window, across a month end", () => {
    expect(dayRange("2026-12-02", 3)).toEqual(["2026-11-30", "2026-12-01", "2026-12-02"]);
  });

  it("fills the days nobody worked with zeros and finds the busiest day", () => {
    const days = dayRange("2026-12-03", 3);
    const s = dailySeries([row("2026-12-01", "ann", 4), row("2026-12-03", "ann", 1), row("2026-12-03", "bob", 6), row("2026-11-01", "bob", 99)], days);
    expect(s.byUser.get("ann")).toEqual([4, 0, 1]);
    expect(s.byUser.get("bob")).toEqual([0, 0, 6]);
    expect(s.max).toBe(7);
    expect(dailySeries([], days).max).toBe(0);
  });

  it("formats durations and rates", () => {
    expect(formatDuration(0)).toBe("0m");
    expect(formatDuration(59 * 60)).toBe("59m");
    expect(formatDuration(3720)).toBe("1h 02m");
    expect(perHour(10, 1800)).toBe(20);
    expect(perHour(3, 30)).toBeNull();
  });

  it("gives whole, distinct y ticks even for tiny maxima", () => {
    expect(axisTicks(0)).toEqual([0]);
    expect(axisTicks(1)).toEqual([0, 1]);
    expect(axisTicks(2)).toEqual([0, 1, 2]);
    expect(axisTicks(7)).toEqual([0, 4, 7]);
  });

  it("labels about 8 days, always the newest, never two neighbours", () => {
    expect([...labelledDays(7)]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const thirty = [...labelledDays(30)];
    expect(thirty.at(-1)).toBe(29);
    expect(thirty.length).toBeLessThanOrEqual(8);
    expect(thirty.every((d, i) => i === 0 || d - thirty[i - 1]! === 4)).toBe(true);
  });
});
