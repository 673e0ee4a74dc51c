/** Images tab: filter bar, keyset-paged grid with infinite scroll, thumbnail catch-up, panel. */
import { errorMessage } from "../../api/http";
import { type Image, images as imagesApi } from "../../api/images";
import { h, replaceChildren } from "../../lib/dom";
import { atLeast } from "../../lib/roles";
import { labellerUrl } from "../../lib/urls";
import { toast } from "../../ui/toast";
import { KeysetPager } from "../../lib/pager";
import { PendingSet } from "../../lib/pending";
import { countActive, imageListUrl, mergeSearch, parseFilters, type ImageFilters } from "../../lib/query";
import type { ProjectContext } from "./context";
import { ImageGrid } from "./grid";
import { ImagePanel } from "./panel";
import { AssignPanel } from "./assign";
import { createToolbar } from "./toolbar";

const PAGE_SIZE = 100;
const POLL_MS = 2000;
const POLL_GIVE_UP_MS = 60_000;
const POLL_PER_TICK = 24;

export interface ImagesTab {
  reload: () => void;
  focusFilters: () => void;
}

/** The labeller on the first image waiting for review; its Next walks the queue. */
async function openReviewQueue(ctx: ProjectContext): Promise<void> {
  const queue: ImageFilters = { stage: "review" };
  try {
    const first = (await imagesApi.page(imageListUrl(ctx.projectId, queue, 1))).results[0];
    if (!first) return toast("Nothing is waiting for review.", "info");
    window.location.assign(labellerUrl(ctx.projectId, first.id, mergeSearch("", queue)));
  } catch (err) {
    toast(`Could not open the review queue: ${errorMessage(err)}`, "error");
  }
}

export function mountImages(root: HTMLElement, ctx: ProjectContext): ImagesTab {
  let filters: ImageFilters = parseFilters(window.location.search);
  const pager = new KeysetPager<Image>(imagesApi.page, imageListUrl(ctx.projectId, filters, PAGE_SIZE), (i) => i.id);
  const pending = new PendingSet(POLL_GIVE_UP_MS);
  let pollTimer: number | null = null;

  const grid = new ImageGrid((id) => {
    const image = grid.get(id);
    if (image) panel.open(image);
  });
  const panel = new ImagePanel(ctx, {
    get: (id) => grid.get(id),
    neighbour: async (id, step) => {
      let next = grid.neighbour(id, step);
      if (next === null && step > 0 && !pager.done) {
        await loadMore();
        next = grid.neighbour(id, step);
      }
      return next;
    },
    position: (id) => ({ index: grid.position(id), total: grid.size, more: !pager.done }),
    onUpdated: (image) => grid.update(image),
    onClose: (id) => {
      grid.select(null);
      if (id !== null) grid.focusTile(id);
    },
    onSelect: (id) => grid.select(id),
  });

  const toolbar = createToolbar(ctx.labels, filters, (f) => {
    filters = f;
    const url = `${window.location.pathname}${mergeSearch(window.location.search, f)}${window.location.hash}`;
    window.history.replaceState(null, "", url);
    reload();
  });

  const status = h("div", { class: "grid-status" });
  const moreBtn = h("button", { type: "button", class: "secondary", "data-testid": "load-more", hidden: true }, "Load more");
  const sentinel = h("div", { class: "sentinel", "aria-hidden": "true" });
  const footer = h("div", { class: "grid-footer" }, status, moreBtn, sentinel);
  const empty = h("div", { class: "empty", hidden: true });
  const assign = ctx.canManage ? new AssignPanel(ctx, () => filters) : null;
  if (assign) {
    toolbar.el.insertBefore(h("button", { type: "button", class: "secondary small", "data-testid": "assign-open",
      title: "Hand the images matching these filters to annotators, in batches", onclick: () => assign.toggle() }, "Assign…"),
    toolbar.el.querySelector(".spacer"));
  }
  if (atLeast(ctx.role, "reviewer")) {
    toolbar.el.insertBefore(h("button", { type: "button", class: "secondary small", "data-testid": "review-queue",
      title: "Open the images waiting for review (marked done) in the labeller, to accept or send back", onclick: () => void openReviewQueue(ctx) }, "Review queue"),
    toolbar.el.querySelector(".spacer"));
  }
  replaceChildren(root, toolbar.el, assign?.el ?? null, h("div", { class: "grid-wrap" }, grid.el, empty, footer), panel.el);

  const paint = (): void => {
    toolbar.setCount(grid.size, pager.done, pager.loading || (pager.error !== null && grid.size === 0));
    moreBtn.hidden = pager.done || pager.loading || pager.error !== null;
    root.dataset.loading = String(pager.loading);
    if (pager.error) {
      replaceChildren(status, h("span", { class: "msg msg-error" }, `Could not load images: ${errorMessage(pager.error)}`), " ",
        h("button", { type: "button", class: "link", onclick: () => void loadMore() }, "Retry"));
    } else if (pager.loading) {
      replaceChildren(status, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { class: "muted small" }, "Loading images…"));
    } else {
      replaceChildren(status);
    }
    empty.hidden = !(pager.done && grid.size === 0 && !pager.loading);
    if (!empty.hidden) renderEmpty();
  };

  const renderEmpty = (): void => {
    if (countActive(filters) > 0) {
      replaceChildren(empty,
        h("div", { class: "empty-icon", "aria-hidden": "true" }, "⌕"),
        h("h3", null, "No images match these filters"),
        h("button", { type: "button", class: "secondary", onclick: () => { filters = filters.order ? { order: filters.order } : {}; toolbar.setFilters(filters); window.history.replaceState(null, "", `${window.location.pathname}${mergeSearch(window.location.search, filters)}${window.location.hash}`); reload(); } }, "Clear filters"));
    } else {
      replaceChildren(empty,
        h("div", { class: "empty-icon", "aria-hidden": "true" }, "▦"),
        h("h3", null, "No images yet"),
        ctx.canManage
          ? [h("p", { class: "muted" }, "Drop images or zip archives to start labelling."),
             h("button", { type: "button", class: "primary", onclick: () => ctx.showTab("upload") }, "Upload images")]
          : h("p", { class: "muted" }, "A manager of this project uploads them; they will show up here."),
      );
    }
  };

  const watchThumbnails = (images: Image[]): void => {
    const now = Date.now();
    for (const image of images) if (!image.thumbnail) pending.add(image.id, now);
    if (pending.size > 0 && pollTimer === null) pollTimer = window.setInterval(() => void poll(), POLL_MS);
  };

  const poll = async (): Promise<void> => {
    for (const id of pending.expire(Date.now())) grid.markFailed(id);
    const ids = pending.take(POLL_PER_TICK);
    await Promise.all(ids.map(async (id) => {
      try {
        const fresh = await imagesApi.get(id);
        if (fresh.thumbnail) {
          pending.resolve(id);
          const merged = grid.update(fresh);
          if (merged) panel.refresh(merged);
        }
      } catch {
        /* transient: try again next tick */
      }
    }));
    if (pending.size === 0 && pollTimer !== null) {
      window.clearInterval(pollTimer);
      pollTimer = null;
    }
  };

  const nearBottom = (): boolean =>
    !root.hidden && sentinel.getBoundingClientRect().top < window.innerHeight + 800;

  async function loadMore(): Promise<void> {
    if (pager.done) return;
    const run = pager.loadMore();
    paint();
    try {
      const added = await run;
      grid.append(added);
      watchThumbnails(added);
    } catch {
      /* pager.error is painted */
    }
    paint();
    if (!pager.error && !pager.done && nearBottom()) void loadMore();
  }

  const loadVideos = (): void => {
    imagesApi.videos(ctx.projectId).then((r) => toolbar.setVideos(r.results), () => {});
  };

  let lastReload = 0;
  function reload(): void {
    lastReload = Date.now();
    loadVideos();
    pager.reset(imageListUrl(ctx.projectId, filters, PAGE_SIZE));
    pending.clear();
    if (panel.isOpen) panel.close();
    grid.clear();
    void loadMore();
  }

  moreBtn.addEventListener("click", () => void loadMore());
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !pager.loading && !pager.done && !pager.error) void loadMore();
  }, { rootMargin: "0px 0px 800px 0px" }).observe(sentinel);

  let reloadTimer: number | null = null;
  const softReload = (): void => {
    if (reloadTimer !== null) window.clearTimeout(reloadTimer);
    reloadTimer = window.setTimeout(() => {
      reloadTimer = null;
      // Our own split/upload already reloaded; a closed panel means nobody loses their place.
      if (!panel.isOpen && Date.now() - lastReload > 1500) reload();
    }, 400);
  };

  // After a reconnect, events may have been missed: catch up once the socket is back.
  let greeted = false;
  ctx.socket.on("hello", () => {
    if (greeted) softReload();
    greeted = true;
  });

  ctx.socket.on("image.updated", (payload) => {
    const image = payload as Image;
    if (!image || typeof image.id !== "number" || !grid.has(image.id)) return;
    if (image.thumbnail) pending.resolve(image.id);
    const merged = grid.update(image);
    if (merged) panel.refresh(merged);
  });
  const annotationEvent = (delta: number) => (payload: unknown): void => {
    const imageId = (payload as { image?: unknown } | null)?.image;
    if (typeof imageId !== "number") return;
    if (delta) grid.bumpAnnotations(imageId, delta);
    panel.annotationsChanged(imageId);
  };
  ctx.socket.on("annotation.created", annotationEvent(1));
  ctx.socket.on("annotation.deleted", annotationEvent(-1));
  ctx.socket.on("annotation.updated", annotationEvent(0));
  ctx.socket.on("images.split", softReload);
  ctx.socket.on("annotations.bulk", softReload); // a dataset tool: counts changed on many tiles
  // Pre-labelling scored these images (uncertainty) and added predictions: refresh their tiles.
  ctx.socket.on("predictions.updated", (payload) => {
    const ids = (payload as { image_ids?: unknown } | null)?.image_ids;
    if (!Array.isArray(ids)) return;
    for (const id of ids) {
      if (typeof id !== "number" || !grid.has(id)) continue;
      imagesApi.get(id).then((fresh) => {
        const merged = grid.update(fresh);
        if (merged) panel.refresh(merged);
        panel.annotationsChanged(id);
      }, () => {});
    }
  });

  loadVideos();
  void loadMore();
  return { reload, focusFilters: () => toolbar.focus() };
}
