import { describe, expect, it } from "vitest";
import { barFraction, formatMB, formatParams, fractionDelta, numberDelta, pct, versionHeadline } from "./version-metrics";

describe("metric formatting", () => {
  it("shows fractions as percentages and missing values as a dash", () => {
    expect(pct(0.9412)).toBe("94.1%");
    expect(pct(1)).toBe("100.0%");
    expect(pct(0)).toBe("0.0%");
    expect(pct(null)).toBe("—");
    expect(pct(undefined)).toBe("—");
    expect(pct(Number.NaN)).toBe("—");
    expect(barFraction(1.2)).toBe(1);
    expect(barFraction(null)).toBe(0);
  });

  it("formats sizes and parameter counts", () => {
    expect(formatMB(44.7 * 1024 * 1024)).toBe("44.7 MB");
    expect(formatMB(1_100_000)).toBe("1.0 MB");
    expect(formatMB(40_000)).toBe("0.04 MB");
    expect(formatMB(250 * 1024 * 1024)).toBe("250 MB");
    expect(formatMB(0)).toBe("—");
    expect(formatParams(11_689_512)).toBe("11.7M");
    expect(formatParams(272_474)).toBe("272K");
    expect(formatParams(1_500)).toBe("1.5K");
    expect(formatParams(850)).toBe("850");
    expect(formatParams(0)).toBe("—");
  });

  it("picks the headline metric per task and names the split", () => {
    expect(versionHeadline("classify", { split: "test", count: 40, accuracy: 0.925 })).toMatchObject({
      name: "accuracy", text: "92.5%", split: "test", count: 40,
    });
    expect(versionHeadline("detect", { split: "val", map: 0.31, map50: 0.6 })).toMatchObject({ name: "map50", label: "mAP@.5", text: "60.0%" });
    expect(versionHeadline("detect", { map: 0.31 })).toMatchObject({ name: "map", split: "held-out", count: null });
    expect(versionHeadline("classify", {})).toBeNull();
    expect(versionHeadline("classify", { accuracy: null })).toBeNull();
  });
});

describe("deltas", () => {
  it("gives fraction deltas in percentage points, coloured by direction", () => {
    expect(fractionDelta(0.9, 0.925)).toEqual({ value: expect.closeTo(0.025, 9), text: "+2.5 pts", tone: "better" });
    expect(fractionDelta(0.9, 0.85)).toMatchObject({ text: "−5.0 pts", tone: "worse" });
    expect(fractionDelta(0.5, 0.5002)).toMatchObject({ text: "±0.0 pts", tone: "same" });
    expect(fractionDelta(0.2, 0.1, "lower")).toMatchObject({ tone: "better" });
    expect(fractionDelta(null, 0.5)).toEqual({ value: null, text: "—", tone: "none" });
  });

  it("gives number deltas with a formatter and a direction", () => {
    const mb = (x: number): string => formatMB(x);
    expect(numberDelta(2 * 1024 * 1024, 1024 * 1024, mb, "lower")).toMatchObject({ text: "−1.0 MB", tone: "better" });
    expect(numberDelta(10, 12, String, "neutral")).toMatchObject({ text: "+2", tone: "none" });
    expect(numberDelta(10, 10, String, "higher")).toMatchObject({ text: "±0", tone: "same" });
    // 2 KB apart shows as "0.00 MB": that is no difference, not "+0.00 MB" in red
    expect(numberDelta(44_000_000, 44_002_000, formatMB, "lower")).toMatchObject({ text: "±0", tone: "same" });
    expect(numberDelta(undefined, 10, String)).toMatchObject({ tone: "none", text: "—" });
  });
});
