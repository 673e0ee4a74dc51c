/**
 * Images and their annotations, fetched once and kept for a few images around the current
 * one, so prev/next switch at once (the file is decoded ahead of time too).
 */
import { type AnnotationRecord, annotations } from "../../api/annotations";
import { type Image, images } from "../../api/images";

interface Entry {
  meta: Promise<Image>;
  anns: Promise<AnnotationRecord[]> | null;
  annsAt: number;
  img: Promise<HTMLImageElement> | null;
}

/** Prefetched annotations older than this are fetched again on open. */
const FRESH_MS = 20_000;

export class ImageCache {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly max = 6) {}

  private entry(id: number): Entry {
    let e = this.entries.get(id);
    if (e) {
      this.entries.delete(id);
      this.entries.set(id, e);
      return e;
    }
    e = { meta: images.get(id), anns: null, annsAt: 0, img: null };
    e.meta.catch(() => this.entries.delete(id));
    this.entries.set(id, e);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as number;
      this.entries.delete(oldest);
    }
    return e;
  }

  meta(id: number): Promise<Image> {
    return this.entry(id).meta;
  }

  /** Annotations; `fresh` refetches unless the cached list is recent. */
  annotations(id: number, fresh = false): Promise<AnnotationRecord[]> {
    const e = this.entry(id);
    if (!e.anns || (fresh && Date.now() - e.annsAt > FRESH_MS)) {
      const p = annotations.list(id).then((page) => page.results);
      e.anns = p;
      e.annsAt = Date.now();
      p.catch(() => {
        if (e.anns === p) e.anns = null;
      });
    }
    return e.anns;
  }

  /** The decoded image file. */
  image(id: number): Promise<HTMLImageElement> {
    const e = this.entry(id);
    if (!e.img) {
      e.img = e.meta.then((meta) => new Promise<HTMLImageElement>((resolve, reject) => {
        const img = new Image();
        img.decoding = "async";
        img.onload = () => {
          img.decode().then(() => resolve(img), () => resolve(img));
        };
        img.onerror = () => reject(new Error("The image file could not be loaded."));
        img.src = meta.file;
      }));
      e.img.catch(() => {
        if (this.entries.get(id) === e) e.img = null;
      });
    }
    return e.img;
  }

  /** Warm everything for an image we will probably open next. */
  prefetch(id: number): void {
    this.annotations(id).catch(() => {});
    this.image(id).catch(() => {});
  }

  /** Someone changed this image's annotations: fetch them again when it is opened. */
  forgetAnnotations(id: number): void {
    const e = this.entries.get(id);
    if (e) e.anns = null;
  }

  setMeta(image: Image): void {
    const e = this.entries.get(image.id);
    if (!e) return;
    const merged = e.meta.then((old) => ({ ...old, ...image }));
    merged.catch(() => {});
    e.meta = merged;
  }
}
