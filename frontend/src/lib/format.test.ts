import { describe, expect, it } from "vitest";
import { baseName, formatBytes, formatRatio, formatTimestamp, humanize, normalizeRatios, percent, plural, relativeTime, textOn } from "./format";

describe("format helpers", () => {
  it("formats bytes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(64 * 1024 * 1024)).toBe("64.0 MB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MB");
    expect(formatBytes(-1)).toBe("–");
  });

  it("pluralises and humanises", () => {
    expect(plural(1, "image")).toBe("1 image");
    expect(plural(1200, "image")).toBe("1,200 images");
    expect(plural(2, "box", "boxes")).toBe("2 boxes");
    expect(humanize("in_progress")).toBe("In progress");
    expect(percent(0.999)).toBe("99%");
    expect(percent(2)).toBe("100%");
  });

  it("gives relative times", () => {
    const now = Date.parse("2026-01-10T12:00:00Z");
    expect(relativeTime("2026-01-10T11:59:50Z", now)).toBe("just now");
    expect(relativeTime("2026-01-10T11:30:00Z", now)).toBe("30 min ago");
    expect(relativeTime("2026-01-10T09:00:00Z", now)).toBe("3 h ago");
    expect(relativeTime("2025-10-01T00:00:00Z", now)).toBe("2025-10-01");
    expect(relativeTime("nope", now)).toBe("");
  });

  it("normalises split ratios", () => {
    expect(normalizeRatios({ train: 8, val: 1, test: 1 })).toEqual({ train: 0.8, val: 0.1, test: 0.1 });
    expect(normalizeRatios({ train: 0, val: 0, test: 0 })).toBeNull();
    expect(normalizeRatios({ train: 1, val: -1, test: 1 })).toBeNull();
    expect(normalizeRatios({ train: Number.NaN, val: 1, test: 1 })).toBeNull();
  });

  it("strips zip paths and picks readable text colours", () => {
    expect(baseName("classes.zip/apple/a.png")).toBe("a.png");
    expect(baseName("plain.jpg")).toBe("plain.jpg");
    expect(textOn("#ffe119")).toBe("#0b0d10");
    expect(textOn("#000075")).toBe("#ffffff");
    expect(textOn("garbage")).toBe("#ffffff");
  });
});

describe("formatTimestamp", () => {
  it("writes seconds into a video as m:ss.s, with hours past an hour", () => {
    expect(formatTimestamp(0)).toBe("0:00.0");
    expect(formatTimestamp(62.54)).toBe("1:02.5");
    expect(formatTimestamp(59.96)).toBe("1:00.0");
    expect(formatTimestamp(3725)).toBe("1:02:05.0");
  });
});

describe("formatRatio", () => {
  it("writes width/height as 1:n for tall and n:1 for wide boxes", () => {
    expect(formatRatio(0.25)).toBe("1:4");
    expect(formatRatio(1 / 3)).toBe("1:3");
    expect(formatRatio(2.5)).toBe("2.5:1");
    expect(formatRatio(1)).toBe("1:1");
    expect(formatRatio(16)).toBe("16:1");
    expect(formatRatio(0)).toBe("–");
  });
});
