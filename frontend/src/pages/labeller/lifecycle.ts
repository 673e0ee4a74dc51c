/**
 * The labeller's image lifecycle: opening an image (leaving the previous one: its gesture,
 * selection, draft, undo history and cached annotations), loading its data then its file,
 * moving to a neighbour, and catching up with the server after a reconnect. A newer open
 * wins: answers for an image the user has already left are dropped.
 *
 * DOM-free: the page passes what it shows as a `LifecycleView` (lifecycle.test.ts drives it
 * with fakes).
 */
import type { AnnotationRecord } from "../../api/annotations";
import { errorMessage } from "../../api/http";
import type { Image, Neighbors } from "../../api/images";
import type { History } from "../../labeller/core/history";
import { isVisible } from "../../labeller/core/review";
import type { Interaction } from "../../labeller/core/selection";
import { fromRecord, type AnnotationStore } from "../../labeller/core/store";
import { reconcile } from "../../labeller/realtime/apply";

/** An open that takes longer than this covers the canvas with a spinner. */
export const SLOW_MS = 120;

/** Where images come from (ImageCache on the page). */
export interface ImageSource<F> {
  meta(id: number): Promise<Image>;
  /** `fresh`: refetch unless the cached list is recent. */
  annotations(id: number, fresh?: boolean): Promise<AnnotationRecord[]>;
  /** The decoded file. */
  image(id: number): Promise<F>;
  /** Warm an image we will probably open next. */
  prefetch(id: number): void;
  /** Fetch this image's annotations again next time. */
  forgetAnnotations(id: number): void;
}

/** What the page shows; each hook is called at most once per step of an open. */
export interface LifecycleView<F> {
  /** A new history entry for the image (not for the first open or back/forward). */
  pushUrl(id: number): void;
  /** Loading `id` starts: mark the page and end any gesture on the old canvas. */
  opening(id: number): void;
  /** Cover the canvas ("loading": the open is slow; "error": it failed) or uncover it. */
  veil(state: "loading" | "error", message?: string): void;
  /** The image's metadata (header, side panel, title); null when it could not be opened. */
  showImage(image: Image | null): void;
  /** The image's annotations are in the store: size the viewport, clear the old file. */
  opened(image: Image): void;
  /** The decoded file, or null when it failed to load. */
  showFile(image: Image, file: F | null): void;
  /** Previous/next buttons; null while unknown. */
  showNeighbors(neighbors: Neighbors | null): void;
  notice(message: string, kind: "info" | "error", ms?: number): void;
}

export interface LifecycleDeps<F> {
  source: ImageSource<F>;
  /** The image's neighbours under the page's filters. */
  neighbors: (id: number) => Promise<Neighbors>;
  store: AnnotationStore;
  history: History;
  interaction: Interaction;
  /** Put the outbox's pending work for the image back on top of what the server sent. */
  replay: (imageId: number) => void;
  /** Does the outbox still hold local changes of this annotation? */
  hasPending: (clientId: string) => boolean;
  view: LifecycleView<F>;
}

export type Direction = keyof Neighbors;

const EDGE_TEXT: Record<Direction, string> = {
  previous: "This is the first image.",
  next: "This is the last image.",
  next_unlabelled: "No unlabelled images left.",
};

export class ImageLifecycle<F> {
  private current: Image | null = null;
  private near: Neighbors | null = null;
  private seq = 0;
  /** Client ids touched while a full refetch is in flight (the refetch must not undo them). */
  private touched: Set<string> | null = null;

  constructor(private readonly d: LifecycleDeps<F>) {
    d.store.on((c) => {
      if (this.touched && c.type !== "reset") this.touched.add(c.ann.clientId);
    });
  }

  /** The image on screen (null while the first one loads, or after a failed open). */
  get image(): Image | null {
    return this.current;
  }

  /** The neighbours of the image on screen, once known. */
  get neighbors(): Neighbors | null {
    return this.near;
  }

  /** Open image `id`; `push` adds a history entry. Resolves once its neighbours are known. */
  async open(id: number, push: boolean): Promise<void> {
    const { d } = this;
    const seq = ++this.seq;
    const live = (): boolean => seq === this.seq;
    if (this.current) d.source.forgetAnnotations(this.current.id);
    if (push) d.view.pushUrl(id);
    d.view.opening(id);
    d.interaction.select(null);
    d.interaction.setDraft(null);
    this.near = null;
    d.view.showNeighbors(null);
    // Show the new image's data as soon as it is there; a slow file keeps the old canvas a moment.
    const slow = setTimeout(() => {
      if (live()) d.view.veil("loading");
    }, SLOW_MS);
    let meta: Image;
    let recs: AnnotationRecord[];
    try {
      [meta, recs] = await Promise.all([d.source.meta(id), d.source.annotations(id, true)]);
    } catch (err) {
      clearTimeout(slow);
      if (!live()) return;
      this.current = null;
      d.store.reset([]);
      d.view.showImage(null);
      d.view.veil("error", errorMessage(err));
      return;
    }
    clearTimeout(slow);
    if (!live()) return;
    this.show(meta);
    d.store.reset(recs.filter(isVisible).map(fromRecord));
    d.replay(id);
    d.history.clear();
    d.view.opened(meta);
    d.source.image(id).then((file) => {
      if (live()) d.view.showFile(meta, file);
    }, (err) => {
      if (!live()) return;
      d.view.notice(errorMessage(err), "error");
      d.view.showFile(meta, null);
    });
    try {
      const n = await d.neighbors(id);
      if (!live()) return;
      this.near = n;
      d.view.showNeighbors(n);
      for (const pid of [n.next, n.previous, n.next_unlabelled]) if (pid !== null && pid !== undefined) d.source.prefetch(pid);
    } catch {
      if (live()) d.view.showNeighbors({ previous: null, next: null, next_unlabelled: null });
    }
  }

  /** Move to a neighbour of the image on screen (says so when there is none). */
  async go(which: Direction): Promise<void> {
    if (!this.current) return;
    const from = this.current.id;
    let n = this.near;
    if (!n) {
      try {
        n = await this.d.neighbors(from);
      } catch (err) {
        this.d.view.notice(`Could not find the ${which === "previous" ? "previous" : "next"} image: ${errorMessage(err)}`, "error");
        return;
      }
    }
    const target = n[which];
    if (target === null || target === undefined) {
      this.d.view.notice(EDGE_TEXT[which], "info", 2500);
      return;
    }
    if (this.current?.id === from) await this.open(target, true);
  }

  /** A newer version of the image on screen arrived (socket, PATCH answer); others are ignored. */
  merge(fresh: Image): void {
    if (this.current?.id === fresh.id) this.show({ ...this.current, ...fresh });
  }

  /** Catch up after a reconnect: make the store match the server, keeping pending work. */
  async refreshAnnotations(): Promise<void> {
    const imageId = this.current?.id;
    if (imageId === undefined) return;
    const seen = new Set<string>();
    this.touched = seen;
    try {
      this.d.source.forgetAnnotations(imageId);
      const recs = await this.d.source.annotations(imageId, true);
      if (this.current?.id === imageId) {
        reconcile({ store: this.d.store, imageId, hasPending: (cid) => this.d.hasPending(cid) || seen.has(cid) }, recs.filter(isVisible));
      }
    } catch {
      /* the next reconnect tries again */
    } finally {
      if (this.touched === seen) this.touched = null;
    }
  }

  private show(image: Image): void {
    this.current = image;
    this.d.view.showImage(image);
  }
}
