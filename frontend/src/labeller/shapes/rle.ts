/**
 * COCO run-length encoded masks, as the API sends them: {size: [height, width], counts}
 * where counts is COCO's compressed string (pycocotools' rleToString). Runs alternate
 * 0s and 1s, starting with 0s, over the mask in column-major order.
 */
export interface Rle {
  size: [number, number];
  counts: string;
}

/** The run lengths of a compressed string; throws on anything COCO never writes. */
export function rleRuns(counts: string): number[] {
  const runs: number[] = [];
  let value = 0;
  let shift = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts.charCodeAt(i) - 48;
    if (c < 0 || c >= 64) throw new Error(`not a COCO RLE character: ${counts[i]}`);
    value |= (c & 0x1f) << shift;
    shift += 5;
    if (c & 0x20) continue;
    if (c & 0x10) value |= -1 << shift;
    if (runs.length > 2) value += runs[runs.length - 2]!;
    runs.push(value);
    value = 0;
    shift = 0;
  }
  if (shift) throw new Error("the RLE string ends in the middle of a number");
  return runs;
}

/** The compressed string of run lengths (the inverse of rleRuns). */
export function rleString(runs: readonly number[]): string {
  let out = "";
  for (let i = 0; i < runs.length; i++) {
    let x = runs[i]! - (i > 2 ? runs[i - 2]! : 0);
    for (;;) {
      let c = x & 0x1f;
      x >>= 5;
      const more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
      if (!more) break;
    }
  }
  return out;
}

/** The mask as row-major 0/1 bytes (height * width), checked to cover every pixel. */
export function rleDecode(rle: Rle): Uint8Array {
  const [h, w] = rle.size;
  const out = new Uint8Array(h * w);
  let at = 0;
  let on = 0;
  for (const run of rleRuns(rle.counts)) {
    if (on) {
      for (let k = at; k < at + run; k++) out[(k % h) * w + Math.floor(k / h)] = 1;
    }
    at += run;
    on ^= 1;
  }
  if (at !== h * w) throw new Error(`the RLE covers ${at} pixels, not ${h} x ${w}`);
  return out;
}

/** Row-major 0/1 bytes -> COCO RLE. */
export function rleEncode(mask: Uint8Array, height: number, width: number): Rle {
  const runs: number[] = [];
  let value = 0;
  let n = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v === value) n++;
      else {
        runs.push(n);
        value = v;
        n = 1;
      }
    }
  }
  runs.push(n);
  return { size: [height, width], counts: rleString(runs) };
}

/** Pixels set, and the tight box around them (null when none is). */
export function rleBounds(rle: Rle): { area: number; box: { x: number; y: number; w: number; h: number } | null } {
  const [h] = rle.size;
  let at = 0, on = 0, area = 0;
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (const run of rleRuns(rle.counts)) {
    if (on && run > 0) {
      area += run;
      const first = at, last = at + run - 1;
      const c0 = Math.floor(first / h), c1 = Math.floor(last / h);
      x0 = Math.min(x0, c0);
      x1 = Math.max(x1, c1);
      y0 = Math.min(y0, c0 === c1 ? first % h : 0);
      y1 = Math.max(y1, c0 === c1 ? last % h : h - 1);
    }
    at += run;
    on ^= 1;
  }
  return { area, box: area ? { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 } : null };
}
