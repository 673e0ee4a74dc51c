/**
 * The labeller's review wiring: the review panel and header button, fixes (editing a
 * prediction makes it the person's own), review keys, "next pending image", and reloading
 * the image on screen when pre-labelling writes predictions for it or a dataset tool changes
 * its boxes.
 */
import { errorMessage } from "../../api/http";
import type { Image } from "../../api/images";
import type { LabelSet } from "../../labeller/core/labels";
import { bindFixes, isPending, reviewKey } from "../../labeller/core/review";
import type { Interaction } from "../../labeller/core/selection";
import type { AnnotationStore } from "../../labeller/core/store";
import type { Viewport } from "../../labeller/core/viewport";
import type { Outbox } from "../../labeller/sync/outbox";
import type { ImageFilters } from "../../lib/query";
import type { ProjectSocket } from "../../realtime/socket";
import type { ImageCache } from "./loader";
import type { Notices } from "./notices";
import { ReviewPanel } from "./review";
import { findNextPending } from "./review-nav";

export const REVIEW_HINT = "Review: A accept · R reject · Tab next prediction · 1–9 or drag to fix · Shift+A accept all ≥ slider · N next image · Shift+R leave";

export interface ReviewWiring {
  store: AnnotationStore;
  interaction: Interaction;
  labels: LabelSet;
  outbox: Outbox;
  viewport: Viewport;
  notices: Notices;
  cache: ImageCache;
  app: HTMLElement;
  projectId: number;
  filters: ImageFilters;
  /** Start in review mode (?review=1); null: as last time. */
  initial: boolean | null;
  image: () => Image | null;
  open: (id: number, push: boolean) => Promise<void>;
  refreshAnnotations: () => Promise<void>;
  onMode: (on: boolean) => void;
}

export interface ReviewHandle {
  panel: ReviewPanel;
  /** For bindKeys: true when the key was a review action. */
  key: (key: string, shift: boolean) => boolean;
  listen: (socket: ProjectSocket) => void;
}

export function wireReview(d: ReviewWiring): ReviewHandle {
  const { store, interaction, viewport, notices } = d;
  bindFixes(store);

  async function nextPending(): Promise<void> {
    const from = d.image()?.id;
    if (from === undefined) return;
    // Say so only when the search takes a moment (it may have to skip reviewed images).
    const slow = window.setTimeout(() => notices.show("Looking for the next image with pending predictions…", "info", 1500), 400);
    try {
      const target = await findNextPending(d.projectId, from, d.filters, d.cache);
      if (d.image()?.id !== from) return;
      if (target === null) notices.show("No other image has pending predictions.", "info", 3000);
      else await d.open(target, true);
    } catch (err) {
      notices.show(`Could not find the next image: ${errorMessage(err)}`, "error");
    } finally {
      window.clearTimeout(slow);
    }
  }

  const panel = new ReviewPanel({
    store, interaction, labels: d.labels, outbox: d.outbox,
    imageId: () => d.image()?.id ?? null,
    notice: (m, k = "info", ms) => notices.show(m, k, ms),
    reveal: (a) => {
      const b = a.box;
      if (!b) return;
      const p0 = viewport.toScreen(b.x, b.y);
      const p1 = viewport.toScreen(b.x + b.w, b.y + b.h);
      if (p0.x < 0 || p0.y < 0 || p1.x > viewport.width || p1.y > viewport.height) viewport.fit();
    },
    nextImage: nextPending,
    onMode: (on) => {
      d.app.classList.toggle("reviewing", on);
      d.onMode(on);
    },
  }, d.initial);

  const key = (k: string, shift: boolean): boolean => {
    const action = reviewKey(k, shift, panel.on);
    if (!action) return false;
    // Del/Backspace reject only a selected prediction; on other boxes they still delete.
    if (action === "reject" && (k === "Delete" || k === "Backspace")) {
      const sel = interaction.selected ? store.get(interaction.selected) : undefined;
      if (!sel || !isPending(sel)) return false;
    }
    return panel.act(action);
  };

  // Pre-labelling wrote predictions, or a dataset tool changed boxes (annotations.bulk):
  // reload the image on screen, forget prefetched ones.
  const listen = (socket: ProjectSocket): void => {
    const reload = (payload: unknown): void => {
      const ids = (payload as { image_ids?: unknown } | null)?.image_ids;
      if (!Array.isArray(ids)) return;
      const current = d.image()?.id;
      for (const id of ids) if (typeof id === "number" && id !== current) d.cache.forgetAnnotations(id);
      if (current !== undefined && ids.includes(current)) {
        void d.refreshAnnotations().then(() => {
          if (panel.on && !interaction.selected) panel.imageOpened();
        });
      }
    };
    socket.on("predictions.updated", reload);
    socket.on("annotations.bulk", reload);
  };

  return { panel, key, listen };
}
