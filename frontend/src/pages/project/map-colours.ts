/** What the embedding map colours its points by: a palette index per point and a legend. */
import type { EmbeddingMap } from "../../api/curation";

export type ColourBy = "label" | "split" | "mistakenness" | "uniqueness";

export interface Colouring {
  indices: Uint8Array;
  palette: string[];
  legend: { colour: string; text: string; count: number }[];
}

const NONE = "#5d6675";
const SPLITS: [string, string, string][] = [
  ["train", "#5b8def", "Train"], ["val", "#c084fc", "Val"], ["test", "#2dd4bf", "Test"], ["unassigned", NONE, "No split"],
];
/** Low to high: blue, teal, yellow, orange, red. */
const RAMP = ["#4c6ef5", "#2bb3c0", "#8fd14f", "#f2c94c", "#f2994a", "#eb5757"];

function finish(indices: Uint8Array, palette: string[], texts: string[]): Colouring {
  const counts = new Uint32Array(palette.length);
  for (const i of indices) counts[i] = (counts[i] ?? 0) + 1;
  const legend = palette.map((colour, k) => ({ colour, text: texts[k] ?? "", count: counts[k] ?? 0 })).filter((l) => l.count > 0);
  return { indices, palette, legend };
}

export function colouring(map: EmbeddingMap, by: ColourBy): Colouring {
  const n = map.ids.length;
  const indices = new Uint8Array(n);
  if (by === "label") {
    const labels = map.labels.slice(0, 254);
    const slot = new Map(labels.map((l, k) => [l.id, k + 1]));
    for (let i = 0; i < n; i++) indices[i] = slot.get(map.label[i] ?? -1) ?? 0;
    return finish(indices, [NONE, ...labels.map((l) => l.color)], ["No label", ...labels.map((l) => l.name)]);
  }
  if (by === "split") {
    const slot = new Map(SPLITS.map(([s], k) => [s, k]));
    for (let i = 0; i < n; i++) indices[i] = slot.get(map.split[i] ?? "unassigned") ?? 3;
    return finish(indices, SPLITS.map((s) => s[1]), SPLITS.map((s) => s[2]));
  }
  const scores = map[by];
  const bins = RAMP.length;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    indices[i] = s === null || s === undefined ? 0 : 1 + Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
  }
  const texts = RAMP.map((_, k) => `${Math.round((k / bins) * 100)}–${Math.round(((k + 1) / bins) * 100)}%`);
  return finish(indices, [NONE, ...RAMP], ["Not scored", ...texts]);
}
