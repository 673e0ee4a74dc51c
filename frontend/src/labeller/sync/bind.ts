/**
 * Glue between the store of the image on screen and the (global) outbox: LOCAL changes
 * become ops; the outbox's answers come back into the store as REMOTE changes; pending
 * ops of an image are replayed onto a freshly loaded store so the user sees them.
 */
import type { AnnotationRecord } from "../../api/annotations";
import { AnnotationStore, fromRecord, REMOTE, sameBox, sameRings, type Ann, type Kind, type StoreChange } from "../core/store";
import { patchOf, type UpdateFields } from "./ops";
import type { Outbox, OutboxEvent } from "./outbox";

export type NoticeKind = "conflict" | "deleted" | "error";

export interface BindOptions {
  store: AnnotationStore;
  outbox: Outbox;
  /** The image the store holds now (changes with navigation). */
  imageId: () => number | null;
  notice: (message: string, kind: NoticeKind) => void;
  /** "cat" for messages; falls back to "#id". */
  labelName: (label: number) => string;
}

function what(kind: Kind, label: string): string {
  return kind === "tag" ? `the “${label}” tag` : `this ${label} ${kind}`;
}

export function bindOutbox(opts: BindOptions): () => void {
  const { store, outbox } = opts;

  const onChange = (c: StoreChange): void => {
    if (c.origin !== "local") return;
    const imageId = opts.imageId();
    if (imageId === null) return;
    if (c.type === "create") {
      const a = c.ann;
      outbox.enqueue({ op: "create", imageId, clientId: a.clientId, id: a.id, version: a.version, kind: a.kind, label: a.label, box: a.box,
        ...(a.rings ? { rings: a.rings } : {}), ...(a.mask ? { mask: a.mask } : {}) });
    } else if (c.type === "update") {
      const { ann, prev } = c;
      const fields: UpdateFields = {};
      if (ann.label !== prev.label) fields.label = ann.label;
      if (ann.kind === "box" && ann.box && !sameBox(ann.box, prev.box)) fields.box = { ...ann.box };
      if (ann.kind === "polygon" && ann.rings && !sameRings(ann.rings, prev.rings ?? null)) fields.polygon = ann.rings;
      if (ann.kind === "mask" && ann.mask && ann.mask.counts !== prev.mask?.counts) fields.mask = ann.mask;
      if (Object.keys(fields).length === 0) return;
      outbox.enqueue({
        op: "update", imageId, clientId: ann.clientId, id: prev.id, version: prev.version,
        fields, before: { label: prev.label, box: prev.box, rings: prev.rings ?? null, mask: prev.mask ?? null },
      });
    } else if (c.type === "delete") {
      const a = c.ann;
      outbox.enqueue({
        op: "delete", imageId, clientId: a.clientId, id: a.id, version: a.version,
        before: { kind: a.kind, label: a.label, box: a.box, ...(a.rings ? { rings: a.rings } : {}), ...(a.mask ? { mask: a.mask } : {}), source: a.source, score: a.score, review: a.review },
      });
    }
  };

  const onResult = (e: OutboxEvent): void => {
    const here = e.op.imageId === opts.imageId();
    const op = e.op;
    const kind = op.op === "create" ? op.kind : op.op === "delete" ? op.before.kind : (store.find(op.clientId, op.id)?.kind ?? "box");
    const label = op.op === "update" ? op.before.label : op.op === "delete" ? op.before.label : op.label;
    const where = here ? "" : ` (image ${op.imageId})`;
    if (e.type === "saved") {
      if (!here || !e.record) return;
      const ann = store.byClientId(op.clientId);
      if (ann) store.setServer(ann.key, e.record.id, e.record.version);
      return;
    }
    if (e.type === "merged") {
      if (!here) return;
      const ann = store.byClientId(op.clientId);
      const twin = store.byId(e.current.id);
      if (ann && twin && twin.key !== ann.key) store.remove(ann.key, REMOTE);
      else if (ann) store.update(ann.key, { id: e.current.id, version: e.current.version, label: e.current.label }, REMOTE);
      return;
    }
    if (e.type === "conflict") {
      const name = opts.labelName(e.current.label);
      if (here) applyCurrent(store, op.clientId, e.current);
      opts.notice(`Someone else changed ${what(kind, name)}; showing their version.${where}`, "conflict");
      return;
    }
    if (e.type === "gone") {
      if (here) {
        const ann = store.find(op.clientId, op.id);
        if (ann) store.remove(ann.key, REMOTE);
      }
      opts.notice(`${capital(what(kind, opts.labelName(label)))} was deleted by someone else.${where}`, "deleted");
      return;
    }
    // rejected: undo the local change
    if (here) revert(store, outbox, e.op);
    opts.notice(`Not saved: ${e.detail}${where}`, "error");
  };

  const offChange = store.on(onChange);
  const offResult = outbox.on(onResult);
  return () => {
    offChange();
    offResult();
  };
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Show the server's version of an annotation (it won a conflict). */
function applyCurrent(store: AnnotationStore, clientId: string, current: AnnotationRecord): Ann {
  const f = fromRecord(current);
  const ann = store.find(clientId, current.id);
  if (ann) {
    return store.update(ann.key, { id: f.id, label: f.label, box: f.box, rings: f.rings, mask: f.mask, source: f.source, score: f.score,
      review: f.review, version: f.version }, REMOTE)!;
  }
  return store.add({ ...f, clientId }, REMOTE);
}

function revert(store: AnnotationStore, outbox: Outbox, op: OutboxEvent["op"]): void {
  if (op.op === "create") {
    const ann = store.byClientId(op.clientId);
    if (ann) store.remove(ann.key, REMOTE);
  } else if (op.op === "update") {
    const ann = store.find(op.clientId, op.id);
    const { label, box, rings, mask } = op.before;
    if (ann && !outbox.hasPending(op.clientId)) store.update(ann.key, { label, box, rings: rings ?? ann.rings, mask: mask ?? ann.mask }, REMOTE);
  } else if (!store.find(op.clientId, op.id)) {
    const known = outbox.knownFor(op.clientId);
    store.add({ ...op.before, id: known?.id ?? op.id, clientId: op.clientId, version: known?.version ?? op.version }, REMOTE);
  }
}

/** Replay the pending ops of an image onto a store just loaded from the server. */
export function replayPending(store: AnnotationStore, outbox: Outbox, imageId: number): number {
  let n = 0;
  for (const op of outbox.pending(imageId)) {
    const known = outbox.knownFor(op.clientId);
    if (op.op === "create") {
      if (store.byClientId(op.clientId)) continue;
      store.add({
        id: known?.id ?? null, clientId: op.clientId, kind: op.kind, label: op.label, box: op.box, rings: op.rings ?? null, mask: op.mask ?? null,
        source: "human", score: null, review: "none", version: known?.version ?? 0,
      }, REMOTE);
      n++;
    } else {
      const ann = store.find(op.clientId, known?.id ?? op.id);
      if (!ann) continue;
      if (op.op === "update") store.update(ann.key, patchOf(op.fields), REMOTE);
      else store.remove(ann.key, REMOTE);
      n++;
    }
  }
  return n;
}
