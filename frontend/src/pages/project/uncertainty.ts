/** Uncertainty (0..1, 1 = the model could not choose) as a bar width and a colour level. */

/** Bar width in percent; null when there is nothing to show. A scored image always shows a sliver. */
export function uncertaintyWidth(u: number | null | undefined): number | null {
  if (u === null || u === undefined || !Number.isFinite(u)) return null;
  const c = Math.min(1, Math.max(0, u));
  return Math.max(4, Math.round(c * 100));
}

export type UncertaintyLevel = "u-low" | "u-mid" | "u-high";

export function uncertaintyLevel(u: number): UncertaintyLevel {
  return u >= 0.66 ? "u-high" : u >= 0.33 ? "u-mid" : "u-low";
}
