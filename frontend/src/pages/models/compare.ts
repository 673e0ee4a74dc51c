/** Pure parts of comparing two versions: classes aligned by name, headline metric deltas. */
import type { ModelVersion } from "../../api/models";
import { fractionDelta, formatMB, formatParams, isNum, numberDelta, pct, type Delta, type Direction } from "../widgets/version-metrics";

export interface Aligned<T> {
  label: string;
  a: T | null;
  b: T | null;
}

/** One row per class name: A's order first, then classes only B has (in B's order). */
export function alignByLabel<T extends { label: string }>(a: readonly T[], b: readonly T[]): Aligned<T>[] {
  const inB = new Map(b.map((r) => [r.label, r]));
  const rows: Aligned<T>[] = a.map((r) => ({ label: r.label, a: r, b: inB.get(r.label) ?? null }));
  const seen = new Set(a.map((r) => r.label));
  for (const r of b) if (!seen.has(r.label)) rows.push({ label: r.label, a: null, b: r });
  return rows;
}

export interface HeadlineRow {
  key: string;
  label: string;
  a: string;
  b: string;
  delta: Delta;
}

type Kind = "fraction" | "count" | "bytes" | "params";
interface Def {
  key: string;
  label: string;
  kind: Kind;
  direction: Direction;
}

const CLASSIFY: Def[] = [
  { key: "accuracy", label: "Accuracy", kind: "fraction", direction: "higher" },
  { key: "macro_f1", label: "Macro F1", kind: "fraction", direction: "higher" },
];
const DETECT: Def[] = [
  { key: "map50", label: "mAP@.5", kind: "fraction", direction: "higher" },
  { key: "map", label: "mAP@.5:.95", kind: "fraction", direction: "higher" },
];
const COMMON: Def[] = [
  { key: "count", label: "Held-out images", kind: "count", direction: "neutral" },
  { key: "size_bytes", label: "Size", kind: "bytes", direction: "lower" },
  { key: "parameters", label: "Parameters", kind: "params", direction: "neutral" },
];

function value(v: ModelVersion, key: string): unknown {
  if (key === "size_bytes") return v.size_bytes;
  if (key === "parameters") return v.parameters;
  return v.metrics?.[key];
}

function show(kind: Kind, x: unknown): string {
  if (kind === "fraction") return pct(x);
  if (kind === "bytes") return formatMB(x as number);
  if (kind === "params") return formatParams(x as number);
  return isNum(x) ? x.toLocaleString("en-US") : "—";
}

/** Metric rows for A vs B; the delta is B − A (B is the candidate, A the baseline). */
export function headlineRows(a: ModelVersion, b: ModelVersion): HeadlineRow[] {
  const defs = [...(a.task === "detect" || b.task === "detect" ? DETECT : CLASSIFY), ...COMMON];
  return defs.map((d) => {
    const va = value(a, d.key);
    const vb = value(b, d.key);
    const delta = d.kind === "fraction"
      ? fractionDelta(va, vb, d.direction)
      : numberDelta(va, vb, (x) => (d.kind === "bytes" ? formatMB(x) : d.kind === "params" ? formatParams(x) : x.toLocaleString("en-US")), d.direction);
    return { key: d.key, label: d.label, a: show(d.kind, va), b: show(d.kind, vb), delta };
  });
}

/** Held-out splits differ in size or kind: say so, since the numbers are then less comparable. */
export function splitWarning(a: ModelVersion, b: ModelVersion): string {
  const sa = a.metrics?.split;
  const sb = b.metrics?.split;
  if (a.snapshot && b.snapshot && a.snapshot !== b.snapshot) {
    return `Scored on different dataset snapshots (#${a.snapshot} and #${b.snapshot}): compare with care.`;
  }
  if (sa && sb && sa !== sb) return `v${a.version} was scored on its ${sa} split and v${b.version} on its ${sb} split.`;
  return "";
}
