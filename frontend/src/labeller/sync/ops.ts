/** What the outbox queues: one server write each, named by the annotation's client id. */
import type { Box, Rle, Source } from "../../api/annotations";
import type { Kind, Rings } from "../core/store";

interface OpCommon {
  /** Global order (across images and reloads). */
  seq: number;
  imageId: number;
  clientId: string;
  /** Server id when known at enqueue time (the outbox learns it later from the create). */
  id: number | null;
  /** Server version when known at enqueue time. */
  version: number;
}

export interface CreateOp extends OpCommon {
  op: "create";
  kind: Kind;
  label: number;
  box: Box | null;
  /** A polygon's rings (the outline first). */
  rings?: Rings | null;
  mask?: Rle | null;
}

/** What a PATCH sends, in the wire's names (`polygon` holds the rings). */
export interface UpdateFields {
  label?: number;
  box?: Box;
  polygon?: Rings;
  mask?: Rle;
}

export interface UpdateOp extends OpCommon {
  op: "update";
  fields: UpdateFields;
  /** The state before this change (to revert when the server refuses it). */
  before: { label: number; box: Box | null; rings?: Rings | null; mask?: Rle | null };
}

export interface DeleteOp extends OpCommon {
  op: "delete";
  /** What was deleted (to bring it back when the server refuses). */
  before: { kind: Kind; label: number; box: Box | null; rings?: Rings | null; mask?: Rle | null; source: Source; score: number | null; review: string };
}

export type Op = CreateOp | UpdateOp | DeleteOp;

/** The store's patch for an update's fields. */
export function patchOf(fields: UpdateFields): { label?: number; box?: Box; rings?: Rings; mask?: Rle } {
  const { polygon, ...rest } = fields;
  return polygon ? { ...rest, rings: polygon } : rest;
}

type Distribute<T> = T extends unknown ? Omit<T, "seq"> : never;
export type NewOp = Distribute<Op>;

/** Server identity learnt from responses, per client id. */
export interface Known {
  id: number;
  version: number;
}

export interface StoredOutbox {
  v: 1;
  ops: Op[];
  known: Record<string, Known>;
}

export const STORAGE_PREFIX = "labelforge.outbox.";

export function storageKey(imageId: number): string {
  return `${STORAGE_PREFIX}${imageId}`;
}

/** The localStorage subset we use (a Map-backed fake in tests). */
export interface KVStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function isOp(x: unknown): x is Op {
  if (!x || typeof x !== "object") return false;
  const o = x as Record<string, unknown>;
  return (o.op === "create" || o.op === "update" || o.op === "delete")
    && typeof o.seq === "number" && typeof o.imageId === "number" && typeof o.clientId === "string";
}
