/** Chart colours and fonts, matching static/css/app.css's dark theme. */

export const COLORS = {
  accent: "#7d8bff",
  accentFaint: "rgba(125, 139, 255, 0.42)",
  teal: "#3fd0c9",
  green: "#4cc38a",
  amber: "#f0b44c",
  violet: "#c084fc",
  pink: "#f472b6",
  axis: "#7e8797",
  grid: "rgba(255, 255, 255, 0.055)",
  tick: "rgba(255, 255, 255, 0.12)",
  cursor: "#5d6576",
} as const;

export const FONT = '11px ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
export const LABEL_FONT = '600 11px ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

/** 1234 -> "1.2k", 2_500_000 -> "2.5M" (axis ticks). */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${Math.round(v / 1e3)}k`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toPrecision(4));
}
