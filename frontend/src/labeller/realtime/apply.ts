/**
 * Websocket events -> the store, always as REMOTE. Our own echoes are recognised (a create
 * carrying our client id), stale versions are ignored, and an annotation with our own
 * changes still pending is left alone: the outbox settles it (a 409 brings the winner).
 */
import type { AnnotationDeletedPayload, AnnotationRecord } from "../../api/annotations";
import { AnnotationStore, fromRecord, REMOTE, sameBox, type Ann } from "../core/store";

export interface ApplyContext {
  store: AnnotationStore;
  imageId: number;
  hasPending: (clientId: string) => boolean;
}

export type ApplyResult = "applied" | "ignored" | "own" | "stale" | "pending" | "other-image";

function isRecord(p: unknown): p is AnnotationRecord {
  const r = p as Partial<AnnotationRecord> | null;
  return !!r && typeof r.id === "number" && typeof r.image === "number" && typeof r.label === "number"
    && (r.kind === "box" || r.kind === "tag" || r.kind === "polygon" || r.kind === "mask") && typeof r.version === "number";
}

function remoteFields(rec: AnnotationRecord) {
  const f = fromRecord(rec);
  return { id: f.id, label: f.label, box: f.box, rings: f.rings, mask: f.mask, source: f.source, score: f.score, review: f.review, version: f.version };
}

export function applyCreated(ctx: ApplyContext, payload: unknown): ApplyResult {
  if (!isRecord(payload)) return "ignored";
  if (payload.image !== ctx.imageId) return "other-image";
  const { store } = ctx;
  if (payload.client_id) {
    const own = store.byClientId(payload.client_id);
    if (own) {
      if (own.id === null) store.setServer(own.key, payload.id, payload.version);
      return "own";
    }
    // Ours, but deleted here before the echo came: the pending delete will follow.
    if (ctx.hasPending(payload.client_id)) return "pending";
  }
  if (store.byId(payload.id)) return "ignored";
  store.add(fromRecord(payload), REMOTE);
  return "applied";
}

export function applyUpdated(ctx: ApplyContext, payload: unknown): ApplyResult {
  if (!isRecord(payload)) return "ignored";
  if (payload.image !== ctx.imageId) return "other-image";
  const { store } = ctx;
  const ann = store.find(payload.client_id, payload.id);
  const clientId = ann?.clientId ?? (payload.client_id || `id:${payload.id}`);
  if (ctx.hasPending(clientId)) return "pending";
  if (!ann) {
    // Missed its create (or deleted here and already saved): trust the newer event.
    store.add(fromRecord(payload), REMOTE);
    return "applied";
  }
  if (ann.id !== null && payload.version <= ann.version) return "stale";
  store.update(ann.key, remoteFields(payload), REMOTE);
  return "applied";
}

export function applyDeleted(ctx: ApplyContext, payload: unknown): ApplyResult {
  const p = payload as Partial<AnnotationDeletedPayload> | null;
  if (!p || typeof p.id !== "number") return "ignored";
  if (typeof p.image === "number" && p.image !== ctx.imageId) return "other-image";
  const ann = ctx.store.byId(p.id);
  if (!ann) return "ignored";
  ctx.store.remove(ann.key, REMOTE);
  return "applied";
}

/**
 * After a reconnect (events may have been missed): make the store match the server's list,
 * leaving annotations with pending local changes as they are.
 */
export function reconcile(ctx: ApplyContext, records: AnnotationRecord[]): number {
  const { store } = ctx;
  let changes = 0;
  const seen = new Set<number>();
  for (const rec of records) {
    if (rec.image !== ctx.imageId) continue;
    seen.add(rec.id);
    const ann = store.find(rec.client_id, rec.id);
    const clientId = ann?.clientId ?? (rec.client_id || `id:${rec.id}`);
    if (ctx.hasPending(clientId)) continue;
    if (!ann) {
      store.add(fromRecord(rec), REMOTE);
      changes++;
    } else if (ann.id === null || rec.version > ann.version || (rec.version === ann.version && differs(ann, rec))) {
      store.update(ann.key, remoteFields(rec), REMOTE);
      changes++;
    }
  }
  for (const ann of [...store.all()]) {
    if (ann.id === null || seen.has(ann.id) || ctx.hasPending(ann.clientId)) continue;
    store.remove(ann.key, REMOTE);
    changes++;
  }
  return changes;
}

function differs(ann: Ann, rec: AnnotationRecord): boolean {
  if (ann.label !== rec.label || !sameBox(ann.box, rec.kind === "box" ? rec.box : null)) return true;
  const f = fromRecord(rec);
  return JSON.stringify(ann.rings ?? null) !== JSON.stringify(f.rings ?? null) || ann.mask?.counts !== f.mask?.counts;
}
