/**
 * Autosave. Every change becomes an op that is written to localStorage (one key per image)
 * BEFORE its request goes out, then sent one at a time in order. Network errors and 5xx
 * are retried with backoff (and at once when the browser comes back online); the server's
 * answers are reported as events for the page to apply. Creates carry the client id, so
 * replaying one after a crash is idempotent. Ops of every image flush, not only the
 * image on screen.
 */
import type { AnnotationCreateBody, AnnotationPatchBody, AnnotationRecord } from "../../api/annotations";
import { backoffDelay } from "../../lib/backoff";
import { isOp, storageKey, STORAGE_PREFIX, type Known, type KVStorage, type NewOp, type Op, type StoredOutbox } from "./ops";

export interface Transport {
  create(imageId: number, body: AnnotationCreateBody): Promise<AnnotationRecord>;
  update(id: number, body: AnnotationPatchBody): Promise<AnnotationRecord>;
  remove(id: number, version: number): Promise<void>;
}

export type OutboxEvent =
  /** The server took it (record is null for deletes). */
  | { type: "saved"; op: Op; record: AnnotationRecord | null }
  /** Someone else changed it first: the server's version wins; later ops for it were dropped. */
  | { type: "conflict"; op: Op; current: AnnotationRecord }
  /** The tag already existed: adopt the server's. */
  | { type: "merged"; op: Op; current: AnnotationRecord }
  /** It was deleted on the server; later ops for it were dropped. */
  | { type: "gone"; op: Op }
  /** The server refused the change (4xx): revert it. */
  | { type: "rejected"; op: Op; detail: string; code: string };

export type SaveState = "saved" | "saving" | "offline" | "error";
export interface SaveStatus {
  state: SaveState;
  pending: number;
}

export interface OutboxOptions {
  transport: Transport;
  storage: KVStorage | null;
  isOnline?: () => boolean;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
}

interface Failure {
  status: number;
  code: string;
  detail: string;
  body: unknown;
}

function failure(err: unknown): Failure {
  const e = err as { status?: unknown; code?: unknown; message?: unknown; body?: unknown } | null;
  const status = typeof e?.status === "number" ? e.status : 0;
  return {
    status,
    code: typeof e?.code === "string" ? e.code : String(status),
    detail: typeof e?.message === "string" ? e.message : String(err),
    body: e?.body ?? null,
  };
}

function currentOf(body: unknown): AnnotationRecord | null {
  const c = (body as { current?: unknown } | null)?.current;
  return c && typeof c === "object" && typeof (c as { id?: unknown }).id === "number" ? (c as AnnotationRecord) : null;
}

export class Outbox {
  private queue: Op[] = [];
  private readonly known = new Map<string, Known>();
  private inflight: Op | null = null;
  private running = false;
  private seq = 0;
  private attempt = 0;
  private timer: unknown = null;
  private offline = false;
  private failing = false;
  private lastRejected = false;
  private readonly listeners = new Set<(e: OutboxEvent) => void>();
  private readonly statusListeners = new Set<(s: SaveStatus) => void>();
  private readonly transport: Transport;
  private readonly storage: KVStorage | null;
  private readonly isOnline: () => boolean;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly random: () => number;

  constructor(opts: OutboxOptions) {
    this.transport = opts.transport;
    this.storage = opts.storage;
    this.isOnline = opts.isOnline ?? (() => true);
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.random = opts.random ?? Math.random;
    this.load();
  }

  on(fn: (e: OutboxEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onStatus(fn: (s: SaveStatus) => void): () => void {
    this.statusListeners.add(fn);
    fn(this.status());
    return () => this.statusListeners.delete(fn);
  }

  status(): SaveStatus {
    const pending = this.queue.length;
    if (!this.isOnline()) return { state: "offline", pending };
    if (pending === 0) return { state: this.lastRejected ? "error" : "saved", pending };
    if (this.offline) return { state: "offline", pending };
    if (this.failing) return { state: "error", pending };
    return { state: "saving", pending };
  }

  get size(): number {
    return this.queue.length;
  }

  /** Pending ops (oldest first), optionally of one image. */
  pending(imageId?: number): Op[] {
    return this.queue.filter((op) => imageId === undefined || op.imageId === imageId);
  }

  hasPending(clientId: string): boolean {
    return this.queue.some((op) => op.clientId === clientId);
  }

  /** Server id/version learnt for a client id (from a create or a later save). */
  knownFor(clientId: string): Known | undefined {
    return this.known.get(clientId);
  }

  /** Queue one change: persisted first, then sent. */
  enqueue(input: NewOp): Op | null {
    this.lastRejected = false;
    const op = { ...input, seq: ++this.seq } as Op;
    if (!this.coalesce(op)) this.queue.push(op);
    this.persist(op.imageId);
    this.notify();
    void this.pump();
    return op;
  }

  /** Try now (the browser came back online, or the user asked). */
  wake(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.attempt = 0;
    this.notify();
    void this.pump();
  }

  /** Send what is pending; resolves when the queue is empty or waiting for a retry. */
  async flush(): Promise<void> {
    await this.pump();
  }

  /**
   * Merge with a queued, unsent op of the same annotation when that keeps the meaning:
   * update after update/create folds in; delete after an unsent create cancels both.
   * Returns true when `op` needs no queue entry of its own.
   */
  private coalesce(op: Op): boolean {
    let i = -1;
    for (let j = this.queue.length - 1; j >= 0; j--) {
      if (this.queue[j]!.clientId === op.clientId) {
        i = j;
        break;
      }
    }
    if (i < 0) return false;
    const prev = this.queue[i]!;
    if (prev === this.inflight) return false;
    if (op.op === "update" && prev.op === "update") {
      prev.fields = { ...prev.fields, ...op.fields };
      return true;
    }
    if (op.op === "update" && prev.op === "create") {
      if (op.fields.label !== undefined) prev.label = op.fields.label;
      if (op.fields.box !== undefined) prev.box = { ...op.fields.box };
      if (op.fields.polygon !== undefined) prev.rings = op.fields.polygon;
      if (op.fields.mask !== undefined) prev.mask = op.fields.mask;
      return true;
    }
    if (op.op === "delete" && prev.op === "create" && !this.queue.some((o) => o.clientId === op.clientId && o === this.inflight)) {
      this.queue = this.queue.filter((o) => o.clientId !== op.clientId);
      return true;
    }
    return false;
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        if (!this.isOnline()) {
          this.offline = true;
          this.scheduleRetry();
          return;
        }
        const op = this.queue[0]!;
        this.inflight = op;
        this.notify();
        const retry = await this.send(op);
        this.inflight = null;
        if (retry) {
          this.scheduleRetry();
          return;
        }
        this.attempt = 0;
      }
    } finally {
      this.inflight = null;
      this.running = false;
      this.notify();
    }
  }

  private scheduleRetry(): void {
    if (this.timer !== null) return;
    const delay = backoffDelay(this.attempt++, { base: 1000, max: 30000 }, this.random);
    this.timer = this.setTimer(() => {
      this.timer = null;
      void this.pump();
    }, delay);
    this.notify();
  }

  /** Send one op. Returns true to retry it later; otherwise it has left the queue. */
  private async send(op: Op): Promise<boolean> {
    const known = this.known.get(op.clientId);
    const id = known?.id ?? op.id;
    const version = Math.max(known?.version ?? 0, op.version);
    try {
      if (op.op === "create") {
        const body: AnnotationCreateBody = { kind: op.kind, label: op.label, client_id: op.clientId };
        if (op.kind === "box") body.box = op.box;
        if (op.kind === "polygon" && op.rings) body.polygon = op.rings;
        if (op.kind === "mask" && op.mask) body.mask = op.mask;
        const rec = await this.transport.create(op.imageId, body);
        this.learn(op.clientId, rec);
        this.done(op, { type: "saved", op, record: rec });
      } else if (id === null) {
        // Its create never made it (refused or dropped): nothing to change on the server.
        this.dropAll(op.clientId);
      } else if (op.op === "update") {
        const body: AnnotationPatchBody = { version, ...op.fields };
        const rec = await this.transport.update(id, body);
        this.learn(op.clientId, rec);
        this.done(op, { type: "saved", op, record: rec });
      } else {
        await this.transport.remove(id, version);
        this.done(op, { type: "saved", op, record: null });
      }
      this.offline = false;
      this.failing = false;
      return false;
    } catch (err) {
      return this.fail(op, failure(err));
    }
  }

  private fail(op: Op, f: Failure): boolean {
    if (f.status === 0 || f.status >= 500 || f.status === 408 || f.status === 429) {
      this.offline = f.status === 0;
      this.failing = f.status !== 0;
      return true;
    }
    this.offline = false;
    this.failing = false;
    const current = currentOf(f.body);
    if (f.status === 409 && f.code === "duplicate_tag" && current) {
      this.learn(op.clientId, current);
      this.done(op, { type: "merged", op, current });
    } else if (f.status === 409 && current && f.code !== "deleted") {
      this.known.set(op.clientId, { id: current.id, version: current.version });
      this.dropAll(op.clientId, { type: "conflict", op, current });
    } else if ((f.status === 409 && f.code === "deleted") || f.status === 404 || f.status === 410) {
      this.dropAll(op.clientId, op.op === "delete" ? undefined : { type: "gone", op });
    } else {
      this.lastRejected = true;
      // A refused create leaves nothing for later ops to change.
      if (op.op === "create") this.dropAll(op.clientId, { type: "rejected", op, detail: f.detail, code: f.code });
      else this.done(op, { type: "rejected", op, detail: f.detail, code: f.code });
    }
    return false;
  }

  private learn(clientId: string, rec: AnnotationRecord): void {
    const prev = this.known.get(clientId);
    if (!prev || prev.id !== rec.id || rec.version >= prev.version) this.known.set(clientId, { id: rec.id, version: rec.version });
  }

  /** Remove one op, persist, then report. */
  private done(op: Op, event: OutboxEvent): void {
    this.queue = this.queue.filter((o) => o !== op);
    this.persist(op.imageId);
    this.emit(event);
  }

  /** Remove every op of an annotation (the server's state wins), persist, then report. */
  private dropAll(clientId: string, event?: OutboxEvent): void {
    const images = new Set(this.queue.filter((o) => o.clientId === clientId).map((o) => o.imageId));
    this.queue = this.queue.filter((o) => o.clientId !== clientId);
    for (const imageId of images) this.persist(imageId);
    if (event) this.emit(event);
  }

  private persist(imageId: number): void {
    if (!this.storage) return;
    const ops = this.queue.filter((o) => o.imageId === imageId);
    try {
      if (ops.length === 0) {
        this.storage.removeItem(storageKey(imageId));
        return;
      }
      const known: Record<string, Known> = {};
      for (const o of ops) {
        const k = this.known.get(o.clientId);
        if (k) known[o.clientId] = k;
      }
      const data: StoredOutbox = { v: 1, ops, known };
      this.storage.setItem(storageKey(imageId), JSON.stringify(data));
    } catch {
      /* storage full or blocked: still send, only the crash-safety is lost */
    }
  }

  private load(): void {
    const s = this.storage;
    if (!s) return;
    const keys: string[] = [];
    try {
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        if (k && k.startsWith(STORAGE_PREFIX)) keys.push(k);
      }
    } catch {
      return;
    }
    for (const k of keys) {
      try {
        const data = JSON.parse(s.getItem(k) ?? "null") as Partial<StoredOutbox> | null;
        if (!data || !Array.isArray(data.ops)) continue;
        for (const op of data.ops) if (isOp(op)) this.queue.push(op);
        for (const [cid, kn] of Object.entries(data.known ?? {})) {
          if (kn && typeof kn.id === "number" && typeof kn.version === "number") this.known.set(cid, kn);
        }
      } catch {
        /* a corrupt entry is skipped, never fatal */
      }
    }
    this.queue.sort((a, b) => a.seq - b.seq);
    this.seq = this.queue.reduce((m, o) => Math.max(m, o.seq), 0);
  }

  private emit(e: OutboxEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  private notify(): void {
    const s = this.status();
    for (const fn of this.statusListeners) fn(s);
  }
}
