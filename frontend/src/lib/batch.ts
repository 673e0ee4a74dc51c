/** Planning of multi-request uploads, and progress/result bookkeeping across batches. */
import type { UploadDuplicate, UploadError, UploadResult } from "../api/images";

export interface Sized {
  name: string;
  size: number;
  type?: string;
}

export interface BatchLimits {
  maxFiles: number;
  maxBytes: number;
}

const DEFAULT_LIMITS: BatchLimits = { maxFiles: 50, maxBytes: 64 * 1024 * 1024 };

export interface Batch<T extends Sized> {
  files: T[];
  bytes: number;
  zip: boolean;
}

function isZip(file: Sized): boolean {
  return /\.zip$/i.test(file.name) || /zip/i.test(file.type ?? "");
}

const IMAGE_EXT = /\.(jpe?g|png|webp|bmp)$/i;

/** Files the uploader accepts: images (by type or extension) and zip archives. */
export function isAcceptable(file: Sized): boolean {
  return isZip(file) || (file.type ?? "").startsWith("image/") || IMAGE_EXT.test(file.name);
}

/**
 * Split a selection into requests of at most `maxFiles` files and `maxBytes` bytes,
 * keeping the selection order. Each zip travels alone; a single file above `maxBytes`
 * also travels alone (the server decides whether it is too large).
 */
export function planBatches<T extends Sized>(
  files: readonly T[],
  limits: BatchLimits = DEFAULT_LIMITS,
): Batch<T>[] {
  const batches: Batch<T>[] = [];
  let current: Batch<T> | null = null;
  for (const file of files) {
    if (isZip(file)) {
      batches.push({ files: [file], bytes: file.size, zip: true });
      continue;
    }
    const fits =
      current !== null &&
      current.files.length < limits.maxFiles &&
      current.bytes + file.size <= limits.maxBytes;
    if (!fits) {
      current = { files: [], bytes: 0, zip: false };
      batches.push(current);
    }
    current!.files.push(file);
    current!.bytes += file.size;
  }
  return batches;
}

/** Overall progress as bytes sent over total bytes, fed by per-batch XHR progress events. */
export class ProgressTracker {
  private readonly sizes: number[];
  private readonly fractions: number[];
  readonly total: number;

  constructor(sizes: readonly number[]) {
    this.sizes = [...sizes];
    this.fractions = sizes.map(() => 0);
    this.total = sizes.reduce((a, b) => a + b, 0);
  }

  /** `loaded`/`total` are the XHR's numbers (they include multipart overhead). */
  update(index: number, loaded: number, total: number): void {
    if (index < 0 || index >= this.fractions.length) return;
    const f = total > 0 ? Math.min(1, Math.max(0, loaded / total)) : 0;
    this.fractions[index] = Math.max(this.fractions[index] ?? 0, f);
  }

  complete(index: number): void {
    if (index >= 0 && index < this.fractions.length) this.fractions[index] = 1;
  }

  get sent(): number {
    return this.sizes.reduce((acc, size, i) => acc + size * (this.fractions[i] ?? 0), 0);
  }

  /** 0..1; an empty upload counts as complete once every batch is. */
  get fraction(): number {
    if (this.total > 0) return this.sent / this.total;
    return this.fractions.every((f) => f >= 1) ? 1 : 0;
  }
}

export interface BatchOutcome extends UploadResult {
  status: number;
  /** A request-level message (e.g. 403, 413 or network failure), if any. */
  message: string | null;
}

type UploadBody = Partial<UploadResult> & { detail?: string; code?: string };

/**
 * Normalise one batch's answer. Per-file problems stay per file; an answer without
 * per-file lists (403, proxy 413, 500) becomes one error covering the batch.
 */
export function batchOutcome(
  status: number,
  body: UploadBody | null,
  files: readonly Sized[],
): BatchOutcome {
  const created = Array.isArray(body?.created) ? body!.created : [];
  const duplicates: UploadDuplicate[] = Array.isArray(body?.duplicates) ? body!.duplicates : [];
  let errors: UploadError[] = Array.isArray(body?.errors) ? body!.errors : [];
  const labels_created = Array.isArray(body?.labels_created) ? body!.labels_created : [];
  const ok = status >= 200 && status < 300;
  const detail = typeof body?.detail === "string" ? body.detail : null;
  let message: string | null = null;
  if (!ok && errors.length === 0 && duplicates.length === 0) {
    message = detail ?? `Upload failed (HTTP ${status}).`;
    const first = files[0];
    const who = files.length === 1 && first ? first.name : `${files.length} files`;
    errors = [{ file: who, detail: message, code: body?.code ?? String(status) }];
  }
  return { status, created, duplicates, errors, labels_created, message };
}

export function emptyResult(): UploadResult {
  return { created: [], duplicates: [], errors: [], labels_created: [] };
}

export function mergeResults(into: UploadResult, add: UploadResult): UploadResult {
  return {
    created: [...into.created, ...add.created],
    duplicates: [...into.duplicates, ...add.duplicates],
    errors: [...into.errors, ...add.errors],
    labels_created: [...new Set([...into.labels_created, ...add.labels_created])],
  };
}
