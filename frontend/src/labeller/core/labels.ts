/** The project's labels as the labeller needs them: by id, by hotkey, and the current one. */
import type { Label } from "../../api/labels";

export const FALLBACK_COLOR = "#8b95a7";

/** Keys the labeller itself uses; a label hotkey on one of these is shown but not bound. */
export const RESERVED_KEYS = new Set(["a", "b", "d", "e", "f", "g", "k", "m", "n", "p", "v", "w", "x", "0", "?", "+", "-", "=", "[", "]"]);

export class LabelSet {
  list: Label[] = [];
  current: number | null = null;
  private readonly byIdMap = new Map<number, Label>();
  private readonly listeners = new Set<() => void>();

  on(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  set(labels: Label[]): void {
    // Colours end up in inline styles and on the canvas: accept only "#rrggbb".
    const clean = labels.map((l) => ({ ...l, color: /^#[0-9a-f]{6}$/i.test(l.color) ? l.color : FALLBACK_COLOR, hotkey: l.hotkey ?? "" }));
    // Hotkeyed labels in hotkey order first, then the rest by name.
    this.list = clean.sort((a, b) => {
      const ak = a.hotkey || "\uffff";
      const bk = b.hotkey || "\uffff";
      return ak.localeCompare(bk) || a.name.localeCompare(b.name);
    });
    this.byIdMap.clear();
    for (const l of this.list) this.byIdMap.set(l.id, l);
    if (this.current === null || !this.byIdMap.has(this.current)) this.current = this.list[0]?.id ?? null;
    this.emit();
  }

  byId(id: number): Label | undefined {
    return this.byIdMap.get(id);
  }

  /** The label bound to a key ("1".."9" or a letter), case-insensitive; reserved keys never match. */
  byHotkey(key: string): Label | undefined {
    const k = key.toLowerCase();
    if (!k || RESERVED_KEYS.has(k)) return undefined;
    return this.list.find((l) => l.hotkey.toLowerCase() === k);
  }

  color(id: number): string {
    return this.byIdMap.get(id)?.color ?? FALLBACK_COLOR;
  }

  name(id: number): string {
    return this.byIdMap.get(id)?.name ?? `#${id}`;
  }

  setCurrent(id: number): void {
    if (this.current === id || !this.byIdMap.has(id)) return;
    this.current = id;
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
