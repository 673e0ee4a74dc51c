/** Pure parts of the confusion-matrix heatmap: row normalisation, the colour scale, titles. */

export type RGB = [number, number, number];

/** Each row divided by its total (a row with no images stays all zeros). */
export function rowNormalise(matrix: readonly (readonly number[])[]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0);
    return row.map((v) => (total > 0 && Number.isFinite(v) ? v / total : 0));
  });
}

export function rowTotals(matrix: readonly (readonly number[])[]): number[] {
  return matrix.map((row) => row.reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0));
}

/** Empty cells sit on the card colour; hits go green, confusions go red, by row share. */
export const HEAT_BASE: RGB = [28, 33, 42];
export const HEAT_HIT: RGB = [76, 195, 138];
export const HEAT_MISS: RGB = [240, 106, 106];

const mix = (a: number, b: number, t: number): number => Math.round(a + (b - a) * t);

/**
 * The cell colour for a row share in 0..1. A square-root ramp so that a 5% confusion is
 * still visible next to a 95% diagonal; values outside 0..1 are clamped.
 */
export function heatColor(fraction: number, diagonal: boolean): RGB {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const t = f === 0 ? 0 : 0.12 + 0.88 * Math.sqrt(f);
  const to = diagonal ? HEAT_HIT : HEAT_MISS;
  return [mix(HEAT_BASE[0], to[0], t), mix(HEAT_BASE[1], to[1], t), mix(HEAT_BASE[2], to[2], t)];
}

export const rgb = (c: RGB): string => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

/** Dark text on bright cells, light text on dark ones (relative luminance). */
export function cellText(c: RGB): "#0b0d10" | "#e5e8ee" {
  const lum = (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;
  return lum > 0.5 ? "#0b0d10" : "#e5e8ee";
}

export function cellTitle(trueLabel: string, predicted: string, n: number, rowTotal: number): string {
  const share = rowTotal > 0 ? ` (${Math.round((n / rowTotal) * 100)}% of ${trueLabel})` : "";
  return `true ${trueLabel} predicted as ${predicted}: ${n}${share}`;
}

/** Cell edge in px: roomy for a few classes, down to 22px (still fits "999") from ~30 classes on. */
export function cellSize(classes: number): number {
  if (classes <= 6) return 52;
  if (classes <= 12) return 40;
  if (classes <= 24) return 30;
  return 22;
}

export interface Confusion {
  /** true class index */
  t: number;
  /** predicted class index */
  p: number;
  n: number;
  /** n as a share of the true class's images */
  share: number;
}

/** The off-diagonal cells worth a look: most images first, then the larger share of the row. */
export function topConfusions(matrix: readonly (readonly number[])[], k = 8): Confusion[] {
  const totals = rowTotals(matrix);
  const out: Confusion[] = [];
  matrix.forEach((row, t) => row.forEach((n, p) => {
    if (t !== p && Number.isFinite(n) && n > 0) out.push({ t, p, n, share: totals[t] ? n / totals[t]! : 0 });
  }));
  return out.sort((a, b) => b.n - a.n || b.share - a.share || a.t - b.t || a.p - b.p).slice(0, k);
}
