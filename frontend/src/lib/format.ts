/** Small formatting helpers for counts, sizes, dates and enum values. */

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "–";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1 image", "3 images", "1 box", "2 boxes" (pass the plural when it is irregular). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "in_progress" -> "In progress". */
export function humanize(value: string): string {
  const s = value.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function relativeTime(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.round((now - t) / 1000);
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${d} d ago`;
  return new Date(t).toISOString().slice(0, 10);
}

export function percent(fraction: number): string {
  return `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** Ratios as given, or null when any is negative or they sum to zero. */
export function normalizeRatios(r: { train: number; val: number; test: number }): {
  train: number;
  val: number;
  test: number;
} | null {
  const vals = [r.train, r.val, r.test];
  if (vals.some((v) => !Number.isFinite(v) || v < 0)) return null;
  const sum = vals.reduce((a, b) => a + b, 0);
  if (sum <= 0) return null;
  return { train: r.train / sum, val: r.val / sum, test: r.test / sum };
}

/** "classes.zip/apple/a.png" -> "a.png" (zip imports keep their path in the filename). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** Dark or light text for a "#rrggbb" background (WCAG relative luminance). */
export function textOn(hex: string): "#0b0d10" | "#ffffff" {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return "#ffffff";
  const n = parseInt(m[1]!, 16);
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
  // Contrast with white is (1.05)/(l+0.05); with near-black about (l+0.05)/0.055.
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.055 ? "#ffffff" : "#0b0d10";
}

/** Seconds into a video as m:ss.s (h:mm:ss.s past an hour): 62.5 -> "1:02.5". */
export function formatTimestamp(seconds: number): string {
  const tenths = Math.round(seconds * 10);
  const s = (tenths % 600) / 10;
  const m = Math.floor(tenths / 600) % 60;
  const hours = Math.floor(tenths / 36000);
  const ss = s.toFixed(1).padStart(4, "0");
  return hours > 0 ? `${hours}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A width/height ratio as people write it: 0.25 -> "1:4", 2.5 -> "2.5:1", 1 -> "1:1". */
export function formatRatio(ratio: number): string {
  if (!(ratio > 0) || !Number.isFinite(ratio)) return "–";
  const n = (v: number): string => String(+v.toFixed(v >= 10 ? 0 : 1));
  return ratio >= 1 ? `${n(ratio)}:1` : `1:${n(1 / ratio)}`;
}
