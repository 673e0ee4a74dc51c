/** Who is where: dedupe the server's presence list (one entry per tab) and colour avatars. */
import type { PresenceEntry } from "../../api/realtime";

export interface PresenceUser {
  user: string;
  image: number | null;
}

/**
 * One entry per (user, image), this image first, then by name. A user who has an image open
 * is not listed again as on the "project page" (a second tab, or the moment before their
 * labeller said which image it shows).
 */
export function dedupePresence(entries: unknown, currentImage: number | null): PresenceUser[] {
  if (!Array.isArray(entries)) return [];
  const seen = new Set<string>();
  const out: PresenceUser[] = [];
  for (const e of entries as Partial<PresenceEntry>[]) {
    if (!e || typeof e.user !== "string" || !e.user) continue;
    const image = typeof e.image === "number" ? e.image : null;
    const k = `${e.user}\u0000${image ?? ""}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ user: e.user, image });
  }
  const onImage = new Set(out.filter((u) => u.image !== null).map((u) => u.user));
  return out.filter((u) => u.image !== null || !onImage.has(u.user)).sort((a, b) => {
    const ah = a.image === currentImage ? 0 : 1;
    const bh = b.image === currentImage ? 0 : 1;
    return ah - bh || a.user.localeCompare(b.user) || (a.image ?? 0) - (b.image ?? 0);
  });
}

export function initials(name: string): string {
  const parts = name.trim().split(/[\s._-]+/).filter(Boolean);
  if (parts.length === 0) return "?";
  if (parts.length === 1) return parts[0]!.slice(0, 2).toUpperCase();
  return (parts[0]![0]! + parts[1]![0]!).toUpperCase();
}

/** A stable, readable colour from a username (hue from a string hash). */
export function avatarColor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  const hue = (h >>> 0) % 360;
  return `hsl(${hue} 62% 52%)`;
}
