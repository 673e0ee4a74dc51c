/** Test doubles for the outbox (test-only, outside src/): a Map-backed localStorage and a scriptable transport. */
import type { AnnotationCreateBody, AnnotationPatchBody, AnnotationRecord } from "../src/api/annotations";
import { ApiError } from "../src/api/http";
import type { KVStorage } from "../src/labeller/sync/ops";
import type { Transport } from "../src/labeller/sync/outbox";

export class MemoryStorage implements KVStorage {
  readonly map = new Map<string, string>();
  get length(): number {
    return this.map.size;
  }
  key(i: number): string | null {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.map.set(k, v);
  }
  removeItem(k: string): void {
    this.map.delete(k);
  }
}

export interface Call {
  method: "create" | "update" | "remove";
  imageId?: number;
  id?: number;
  version?: number;
  body?: AnnotationCreateBody | AnnotationPatchBody;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Every call waits until the test answers it (ok / fail), unless `auto` answers first. */
export class FakeTransport implements Transport {
  readonly calls: Call[] = [];
  readonly open: Call[] = [];
  auto: ((c: Call) => unknown) | null = null;
  onCall: ((c: Call) => void) | null = null;
  private nextId = 100;

  private call<T>(c: Omit<Call, "resolve" | "reject">): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const full: Call = { ...c, resolve: resolve as (v: unknown) => void, reject };
      this.calls.push(full);
      this.onCall?.(full);
      if (this.auto) {
        try {
          resolve(this.auto(full) as T);
        } catch (e) {
          reject(e);
        }
      } else this.open.push(full);
    });
  }

  create(imageId: number, body: AnnotationCreateBody): Promise<AnnotationRecord> {
    return this.call({ method: "create", imageId, body });
  }
  update(id: number, body: AnnotationPatchBody): Promise<AnnotationRecord> {
    return this.call({ method: "update", id, version: body.version, body });
  }
  remove(id: number, version: number): Promise<void> {
    return this.call({ method: "remove", id, version });
  }

  /** Answer the oldest open call with a record built from its body. */
  ok(over: Partial<AnnotationRecord> = {}): Call {
    const c = this.open.shift();
    if (!c) throw new Error("no open call");
    if (c.method === "remove") c.resolve(undefined);
    else c.resolve(record(c, over, this.nextId++));
    return c;
  }

  fail(status: number, code: string, body: unknown = null, detail = "failed"): Call {
    const c = this.open.shift();
    if (!c) throw new Error("no open call");
    c.reject(new ApiError(status, detail, code, body));
    return c;
  }
}

export function record(c: Pick<Call, "method" | "imageId" | "id" | "version" | "body">, over: Partial<AnnotationRecord>, newId: number): AnnotationRecord {
  const b = (c.body ?? {}) as Partial<AnnotationCreateBody & AnnotationPatchBody>;
  return {
    id: c.id ?? newId,
    image: c.imageId ?? 1,
    label: b.label ?? 1,
    kind: b.kind ?? "box",
    box: b.box ?? { x: 0, y: 0, w: 1, h: 1 },
    source: "human",
    score: null,
    review: "none",
    version: c.method === "create" ? 1 : (c.version ?? 0) + 1,
    client_id: b.client_id ?? null,
    ...over,
  };
}

export const tick = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};
