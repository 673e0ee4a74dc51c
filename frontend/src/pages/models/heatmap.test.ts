import { describe, expect, it } from "vitest";
import { cellSize, cellText, cellTitle, HEAT_BASE, HEAT_HIT, HEAT_MISS, heatColor, rgb, rowNormalise, rowTotals, topConfusions } from "./heatmap";

describe("confusion normalisation", () => {
  it("divides each row by its total and leaves empty rows at zero", () => {
    const m = [[8, 2], [0, 0], [1, 3]];
    expect(rowNormalise(m)).toEqual([[0.8, 0.2], [0, 0], [0.25, 0.75]]);
    expect(rowTotals(m)).toEqual([10, 0, 4]);
    for (const row of rowNormalise([[3, 1, 0], [2, 2, 4]])) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });
});

describe("heat colour scale", () => {
  it("starts at the base colour and ends at full green on the diagonal, red off it", () => {
    expect(heatColor(0, true)).toEqual(HEAT_BASE);
    expect(heatColor(0, false)).toEqual(HEAT_BASE);
    expect(heatColor(1, true)).toEqual(HEAT_HIT);
    expect(heatColor(1, false)).toEqual(HEAT_MISS);
    expect(heatColor(7, true)).toEqual(HEAT_HIT);
    expect(heatColor(Number.NaN, false)).toEqual(HEAT_BASE);
  });

  it("is monotonic and makes small shares visible", () => {
    let last = -1;
    for (const f of [0, 0.01, 0.05, 0.2, 0.5, 0.9, 1]) {
      const g = heatColor(f, true)[1];
      expect(g).toBeGreaterThan(last);
      last = g;
    }
    const small = heatColor(0.05, false);
    expect(small[0] - HEAT_BASE[0]).toBeGreaterThan(40);
  });

  it("picks readable text and says what a cell means", () => {
    expect(cellText(HEAT_HIT)).toBe("#0b0d10");
    expect(cellText(HEAT_BASE)).toBe("#e5e8ee");
    expect(rgb([1, 2, 3])).toBe("rgb(1, 2, 3)");
    expect(cellTitle("robin", "sparrow", 3, 10)).toBe("true robin predicted as sparrow: 3 (30% of robin)");
    expect(cellTitle("robin", "sparrow", 0, 0)).toBe("true robin predicted as sparrow: 0");
    expect(cellSize(2)).toBeGreaterThan(cellSize(50));
    expect(cellSize(50)).toBeGreaterThanOrEqual(22);
  });
});

describe("top confusions", () => {
  it("lists off-diagonal cells by count, then by share of the true class", () => {
    const m = [
      [8, 2, 0],
      [1, 3, 2],
      [0, 2, 9],
    ];
    const top = topConfusions(m);
    expect(top.map((c) => [c.t, c.p, c.n])).toEqual([[1, 2, 2], [0, 1, 2], [2, 1, 2], [1, 0, 1]]);
    expect(top[0]!.share).toBeCloseTo(2 / 6);
    expect(topConfusions(m, 2)).toHaveLength(2);
    expect(topConfusions([[5, 0], [0, 5]])).toEqual([]);
  });
});
