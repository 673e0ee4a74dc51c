import { describe, expect, it } from "vitest";
import { rleBounds, rleDecode, rleEncode, rleRuns, rleString } from "./rle";

// made by pycocotools.mask.encode on a 5x7 mask: rows 1-3, columns 2-5, with (2, 3) off
const SMALL = ";32NO012004";
const SMALL_PIXELS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0];

describe("COCO RLE", () => {
  it("decodes pycocotools' string to the same pixels, row-major", () => {
    expect([...rleDecode({ size: [5, 7], counts: SMALL })]).toEqual(SMALL_PIXELS);
  });

  it("encodes to pycocotools' exact string, and strings round-trip", () => {
    expect(rleEncode(Uint8Array.from(SMALL_PIXELS), 5, 7)).toEqual({ size: [5, 7], counts: SMALL });
    expect(rleString(rleRuns(SMALL))).toBe(SMALL);
    const big = new Uint8Array(300 * 200);
    for (let y = 10; y < 290; y++) for (let x = 5; x < 195; x++) big[y * 200 + x] = y >= 100 && y < 120 && x >= 50 && x < 150 ? 0 : 1;
    const rle = rleEncode(big, 300, 200);
    expect(rle.counts.startsWith("V_1h8d0000")).toBe(true); // pycocotools' first characters
    expect(rle.counts.endsWith("0b^1")).toBe(true);
    expect(rleDecode(rle)).toEqual(big);
    expect(rleBounds(rle)).toEqual({ area: 51200, box: { x: 5, y: 10, w: 190, h: 280 } });
  });

  it("bounds a small mask and an empty one", () => {
    expect(rleBounds({ size: [5, 7], counts: SMALL })).toEqual({ area: 11, box: { x: 2, y: 1, w: 4, h: 3 } });
    expect(rleBounds(rleEncode(new Uint8Array(12), 3, 4))).toEqual({ area: 0, box: null });
  });

  it("refuses what COCO never writes", () => {
    expect(() => rleRuns("4\u007f")).toThrow(/character/);
    expect(() => rleRuns("Z")).toThrow(/middle/);
    expect(() => rleDecode({ size: [4, 4], counts: "0" })).toThrow(/covers/);
  });
});
