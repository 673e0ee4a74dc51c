/**
 * The annotations of the image on screen. Each lives under a local key that never changes
 * while it is on screen: `id:<server id>` for those loaded from the server, `tmp:<n>` for
 * those made here (the server id is filled in once known and then found with `byId`).
 * Every change is announced with its origin: LOCAL (the user did it here: it must be saved)
 * or REMOTE (the server, another user, or a replay of our own pending work: nothing to save).
 */
import type { AnnotationRecord, Box, Point, Rle, Source } from "../../api/annotations";

export type Origin = "local" | "remote";
export const LOCAL: Origin = "local";
export const REMOTE: Origin = "remote";

export type Kind = "box" | "tag" | "polygon" | "mask";
/** A polygon as rings in image pixels: the outline first, then holes. */
export type Rings = Point[][];

export interface Ann {
  readonly key: string;
  id: number | null;
  /** Identity across saves: sent as `client_id` on create (a uuid); `id:<n>` for server rows without one. */
  clientId: string;
  kind: Kind;
  label: number;
  box: Box | null;
  /** Polygons and masks (shown; their tools come next): set for those kinds only. */
  rings?: Rings | null;
  mask?: Rle | null;
  source: Source;
  score: number | null;
  review: string;
  version: number;
}

/** The wire's polygon ([[x, y], ...] or rings) as rings. */
export function ringsOf(polygon: Point[] | Point[][] | null | undefined): Rings | null {
  if (!polygon || polygon.length === 0) return null;
  return typeof polygon[0]![0] === "number" ? [polygon as Point[]] : (polygon as Point[][]);
}

/** What can be written; key is chosen by the store. */
export type AnnFields = Omit<Ann, "key">;
export type AnnPatch = Partial<Omit<Ann, "key" | "clientId" | "kind">>;

export type StoreChange =
  | { type: "create"; key: string; ann: Ann; origin: Origin }
  | { type: "update"; key: string; ann: Ann; prev: Ann; origin: Origin }
  | { type: "delete"; key: string; ann: Ann; origin: Origin }
  | { type: "reset"; origin: Origin };

export type StoreListener = (change: StoreChange) => void;

let tmpCounter = 0;

export function newClientId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  // Fallback for old browsers: RFC 4122 v4 from Math.random.
  return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (ch) => {
    const r = (Math.random() * 16) | 0;
    return (ch === "x" ? r : (r & 0x3) | 0x8).toString(16);
  });
}

/** The store's view of a wire annotation. */
export function fromRecord(rec: AnnotationRecord): AnnFields {
  return {
    id: rec.id,
    clientId: rec.client_id || `id:${rec.id}`,
    kind: rec.kind,
    label: rec.label,
    box: rec.kind === "box" && rec.box ? { x: rec.box.x, y: rec.box.y, w: rec.box.w, h: rec.box.h } : null,
    rings: rec.kind === "polygon" ? ringsOf(rec.polygon) : null,
    mask: rec.kind === "mask" ? rec.mask ?? null : null,
    source: rec.source ?? "human",
    score: rec.score ?? null,
    review: rec.review ?? "none",
    version: rec.version,
  };
}

export function sameBox(a: Box | null, b: Box | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

export function sameRings(a: Rings | null, b: Rings | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((ring, i) => {
    const other = b[i]!;
    return ring.length === other.length && ring.every(([x, y], j) => x === other[j]![0] && y === other[j]![1]);
  });
}

export class AnnotationStore {
  private readonly items = new Map<string, Ann>();
  private readonly ids = new Map<number, string>();
  private readonly clients = new Map<string, string>();
  private readonly listeners = new Set<StoreListener>();
  private cache: Ann[] | null = null;
  /** Bumped on every change; renderers compare it to skip work. */
  rev = 0;

  on(fn: StoreListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get size(): number {
    return this.items.size;
  }

  /** All annotations in insertion order (cached; do not mutate). */
  all(): readonly Ann[] {
    if (!this.cache) this.cache = [...this.items.values()];
    return this.cache;
  }

  boxes(): Ann[] {
    return this.all().filter((a) => a.kind === "box" && a.box !== null);
  }

  tags(): Ann[] {
    return this.all().filter((a) => a.kind === "tag");
  }

  get(key: string): Ann | undefined {
    return this.items.get(key);
  }

  byId(id: number): Ann | undefined {
    const key = this.ids.get(id);
    return key === undefined ? undefined : this.items.get(key);
  }

  byClientId(clientId: string): Ann | undefined {
    const key = this.clients.get(clientId);
    return key === undefined ? undefined : this.items.get(key);
  }

  /** Find by client id first, then by server id. */
  find(clientId: string | null | undefined, id: number | null | undefined): Ann | undefined {
    return (clientId ? this.byClientId(clientId) : undefined) ?? (id != null ? this.byId(id) : undefined);
  }

  tagFor(label: number): Ann | undefined {
    return this.all().find((a) => a.kind === "tag" && a.label === label);
  }

  /** Replace everything (a new image, or a full reload). */
  reset(list: AnnFields[], origin: Origin = REMOTE): void {
    this.items.clear();
    this.ids.clear();
    this.clients.clear();
    for (const f of list) this.insert(f, undefined);
    this.touch();
    this.emit({ type: "reset", origin });
  }

  /** Add an annotation; `key` lets undo bring one back under its old key. */
  add(fields: AnnFields, origin: Origin, key?: string): Ann {
    if (key !== undefined && this.items.has(key)) throw new Error(`key ${key} is taken`);
    const ann = this.insert(fields, key);
    this.touch();
    this.emit({ type: "create", key: ann.key, ann, origin });
    return ann;
  }

  update(key: string, patch: AnnPatch, origin: Origin): Ann | undefined {
    const prev = this.items.get(key);
    if (!prev) return undefined;
    const ann: Ann = { ...prev, ...patch, key };
    if (patch.box) ann.box = { ...patch.box };
    if (prev.id !== ann.id) {
      if (prev.id !== null) this.ids.delete(prev.id);
      if (ann.id !== null) this.ids.set(ann.id, key);
    }
    this.items.set(key, ann);
    this.touch();
    this.emit({ type: "update", key, ann, prev, origin });
    return ann;
  }

  /** The server accepted our change: learn its id and version (REMOTE, nothing to save). */
  setServer(key: string, id: number, version: number): void {
    const ann = this.items.get(key);
    if (!ann || (ann.id === id && ann.version >= version)) return;
    this.update(key, { id, version: Math.max(version, ann.id === id ? ann.version : 0) }, REMOTE);
  }

  remove(key: string, origin: Origin): Ann | undefined {
    const ann = this.items.get(key);
    if (!ann) return undefined;
    this.items.delete(key);
    if (ann.id !== null) this.ids.delete(ann.id);
    this.clients.delete(ann.clientId);
    this.touch();
    this.emit({ type: "delete", key, ann, origin });
    return ann;
  }

  private insert(fields: AnnFields, key: string | undefined): Ann {
    const k = key ?? (fields.id !== null && !this.items.has(`id:${fields.id}`) ? `id:${fields.id}` : `tmp:${++tmpCounter}`);
    const ann: Ann = { ...fields, key: k, box: fields.box ? { ...fields.box } : null };
    this.items.set(k, ann);
    if (ann.id !== null) this.ids.set(ann.id, k);
    this.clients.set(ann.clientId, k);
    return ann;
  }

  private touch(): void {
    this.cache = null;
    this.rev++;
  }

  private emit(change: StoreChange): void {
    for (const fn of this.listeners) fn(change);
  }
}
