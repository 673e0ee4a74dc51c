/**
 * The labeller page: composes the framework-free core (store, editor, viewport, tools,
 * renderer, outbox, realtime) with the DOM parts around it, and moves between images
 * without reloading the page.
 */
import * as api from "../../api/client";
import { errorMessage } from "../../api/http";
import type { AnnotationRecord, Image, ImageStatus, Neighbors } from "../../api/types";
import { byId, h, replaceChildren } from "../../lib/dom";
import { baseName } from "../../lib/format";
import { parseFilters } from "../../lib/query";
import { Editor } from "../../labeller/core/editor";
import { History } from "../../labeller/core/history";
import { LabelSet } from "../../labeller/core/labels";
import { Interaction } from "../../labeller/core/selection";
import { AnnotationStore, fromRecord } from "../../labeller/core/store";
import { Viewport } from "../../labeller/core/viewport";
import { reconcile } from "../../labeller/realtime/apply";
import { CanvasRenderer } from "../../labeller/render/canvas";
import { bindOutbox, replayPending } from "../../labeller/sync/bind";
import { Outbox } from "../../labeller/sync/outbox";
import { atLeast, parseRole } from "../project/context";
import { exposeDebug } from "./debug";
import { Header } from "./header";
import { attachCanvasInput } from "./input";
import { connectLive } from "./live";
import { ImageCache } from "./loader";
import { Notices } from "./notices";
import { PeopleList } from "./people";
import { ShortcutsOverlay } from "./shortcuts";
import { StatusBar } from "./statusbar";
import { Toolbar } from "./toolbar";
import { buildPanel, createTools, hintFor, safeStorage } from "./wiring";
import { bindKeys } from "./keys";
import { isPending, isVisible } from "../../labeller/core/review";
import { REVIEW_HINT, wireReview } from "./review-wire";

export const GOLD_WEIGHT = 4.0;
export const NORMAL_WEIGHT = 1.0;

export function mountLabeller(): void {
  const app = byId("app");
  if (!app) return;
  const projectId = Number(app.dataset.projectId);
  const role = parseRole(app.dataset.role?.toLowerCase());
  const me = app.dataset.username ?? "";
  const canManage = atLeast(role, "manager");
  const filters = parseFilters(window.location.search);
  const search = window.location.search;

  // ---- core ----
  const labels = new LabelSet();
  const store = new AnnotationStore();
  const interaction = new Interaction();
  const history = new History();
  const editor = new Editor(store, history, interaction);
  const viewport = new Viewport();
  const outbox = new Outbox({
    transport: { create: api.annotations.create, update: api.annotations.update, remove: api.annotations.remove },
    storage: safeStorage(),
    isOnline: () => navigator.onLine,
  });
  const cache = new ImageCache();

  let image: Image | null = null;
  let neighbors: Neighbors | null = null;
  let openSeq = 0;
  /** Client ids touched while a full refetch is in flight (the refetch must not undo them). */
  let touched: Set<string> | null = null;

  // ---- DOM ----
  const notices = new Notices();
  const overlay = new ShortcutsOverlay();
  const header = new Header({ prev: () => void go("previous"), next: () => void go("next"), done: () => void markDone(), help: () => overlay.toggle() });
  const statusbar = new StatusBar();
  const canvas = h("canvas", { "data-testid": "labeller-canvas", "aria-label": "Image: draw and edit boxes" });
  const veil = h("div", { class: "lab-veil", hidden: true });
  const stage = h("div", { class: "lab-stage" }, canvas, veil, notices.el);
  const people = new PeopleList(me, (id) => void open(id, true));

  const renderer = new CanvasRenderer(canvas, { store, viewport, interaction, style: (id) => ({ color: labels.color(id), name: labels.name(id) }) });
  labels.on(() => renderer.restyle());

  const { tools, pan } = createTools({ store, interaction, viewport, editor, labels, canvas, hint: (m) => notices.show(m, "info", 3000) });
  const input = attachCanvasInput(canvas, tools, pan, viewport, interaction, (p, inside) => statusbar.setPointer(p, inside));

  const panel = buildPanel({
    labels, store, interaction, editor, canManage, viewport,
    pickLabel: (id) => {
      labels.setCurrent(id);
      if (interaction.selected) editor.setLabel(interaction.selected, id);
    },
    setStatus: (s) => void patchImage({ status: s }),
    toggleGold: () => void toggleGold(),
    toggleTag: (id) => toggleTag(id),
  });
  panel.el.appendChild(people.el);

  // ---- review of model predictions ----
  let reviewing = false;
  const { panel: review, key: reviewKeyHandler, listen: listenReview } = wireReview({
    store, interaction, labels, outbox, viewport, notices, cache, app, projectId, filters,
    initial: new URLSearchParams(search).get("review") === "1" ? true : null,
    image: () => image,
    open: (id, push) => open(id, push),
    refreshAnnotations: () => refreshAnnotations(),
    onMode: (on) => {
      reviewing = on;
      paintHint();
    },
  });
  panel.el.insertBefore(review.el, panel.el.firstChild);

  const toolbar = new Toolbar({
    tool: (n) => tools.use(n),
    zoomIn: () => viewport.zoomAt(viewport.width / 2, viewport.height / 2, 1.25),
    zoomOut: () => viewport.zoomAt(viewport.width / 2, viewport.height / 2, 0.8),
    fit: () => viewport.fit(),
    undo: () => undo(),
    redo: () => redo(),
  });

  header.el.insertBefore(review.button, header.el.querySelector(".spacer"));
  replaceChildren(app, header.el, h("div", { class: "lab-body" }, toolbar.el, stage, panel.el), statusbar.el, overlay.el);

  const sizeStage = (): void => {
    const r = stage.getBoundingClientRect();
    renderer.resize(r.width, r.height, window.devicePixelRatio || 1);
  };
  new ResizeObserver(sizeStage).observe(stage);
  sizeStage();

  // ---- small reactions ----
  function paintHint(): void {
    if (reviewing) return statusbar.setHint(REVIEW_HINT);
    statusbar.setHint(hintFor(tools.name, labels.current !== null ? labels.name(labels.current) : null, interaction.selected !== null));
  }
  tools.on((n) => {
    toolbar.setTool(n);
    paintHint();
  });
  toolbar.setTool(tools.name);
  labels.on(paintHint);
  interaction.on((w) => {
    if (w === "selection") paintHint();
  });
  viewport.on(() => statusbar.setZoom(viewport.scale));
  history.on(() => toolbar.setHistory(history.canUndo, history.canRedo));
  let countQueued = false;
  store.on((c) => {
    if (c.type === "delete") interaction.forget(c.key);
    if (touched && c.type !== "reset") touched.add(c.ann.clientId);
    if (!countQueued) {
      countQueued = true;
      requestAnimationFrame(() => {
        countQueued = false;
        statusbar.setCounts(store.boxes().length, store.tags().length);
      });
    }
  });
  outbox.onStatus((s) => header.setSave(s));
  window.addEventListener("online", () => outbox.wake());
  window.addEventListener("offline", () => outbox.wake());
  bindOutbox({ store, outbox, imageId: () => image?.id ?? null, labelName: (id) => labels.name(id), notice: (m, k) => notices.show(m, k) });
  // Work left from an earlier visit (any image) goes out now.
  outbox.wake();

  // ---- realtime ----
  const live = connectLive({
    projectId, me, store, outbox, cache, statusbar, header, people,
    current: () => image,
    target: () => Number(app.dataset.imageId),
    onImage: (fresh) => image && showImage({ ...image, ...fresh }),
    onReconnect: () => void refreshAnnotations(),
  });

  // ---- image lifecycle ----
  function showImage(next: Image): void {
    image = next;
    header.setImage(next);
    panel.card.set(next);
    const crumb = byId("crumb-image");
    if (crumb) crumb.textContent = baseName(next.filename);
    document.title = `${baseName(next.filename)} · Labelforge`;
  }

  function setVeil(state: "loading" | "error" | null, message = ""): void {
    veil.hidden = state === null;
    app!.dataset.state = state ?? "ready";
    if (state === "loading") replaceChildren(veil, h("span", { class: "spinner" }), h("span", null, "Loading image…"));
    if (state === "error") replaceChildren(veil, h("div", { class: "veil-error" },
      h("strong", null, "This image could not be opened"), h("span", { class: "muted" }, message),
      h("a", { href: `/projects/${projectId}/${search}` }, "Back to the project")));
  }

  async function open(id: number, push: boolean): Promise<void> {
    const seq = ++openSeq;
    if (image) cache.forgetAnnotations(image.id);
    if (push) window.history.pushState({ imageId: id }, "", api.labellerUrl(projectId, id, search));
    app!.dataset.imageId = String(id);
    app!.dataset.state = "loading";
    input.cancel();
    interaction.select(null);
    interaction.setDraft(null);
    neighbors = null;
    header.setNeighbors(null);
    // Show the new image's data as soon as it is there; a slow file keeps the old canvas a moment.
    const slow = window.setTimeout(() => { if (seq === openSeq) setVeil("loading"); }, 120);
    let meta: Image;
    let recs: AnnotationRecord[];
    try {
      [meta, recs] = await Promise.all([cache.meta(id), cache.annotations(id, true)]);
    } catch (err) {
      window.clearTimeout(slow);
      if (seq !== openSeq) return;
      image = null;
      store.reset([]);
      header.setImage(null);
      setVeil("error", errorMessage(err));
      return;
    }
    window.clearTimeout(slow);
    if (seq !== openSeq) return;
    showImage(meta);
    store.reset(recs.filter(isVisible).map(fromRecord));
    replayPending(store, outbox, id);
    history.clear();
    review.imageOpened();
    viewport.setImage(meta.width, meta.height);
    renderer.setImage(null);
    setVeil(null);
    app!.dataset.state = "loading-file";
    live.announce();
    cache.image(id).then((img) => {
      if (seq !== openSeq) return;
      renderer.setImage(img, meta.width, meta.height);
      app!.dataset.state = "ready";
    }, (err) => {
      if (seq !== openSeq) return;
      notices.show(errorMessage(err), "error");
      app!.dataset.state = "ready";
    });
    try {
      const n = await api.neighbors(id, filters);
      if (seq !== openSeq) return;
      neighbors = n;
      header.setNeighbors(n, (n as Neighbors & { position?: { index: number; total: number } }).position ?? null);
      for (const pid of [n.next, n.previous, n.next_unlabelled]) if (pid !== null && pid !== undefined) cache.prefetch(pid);
    } catch {
      if (seq === openSeq) header.setNeighbors({ previous: null, next: null, next_unlabelled: null });
    }
  }

  /** Catch up after a reconnect: make the store match the server, keeping pending work. */
  async function refreshAnnotations(): Promise<void> {
    const imageId = image?.id;
    if (imageId === undefined) return;
    touched = new Set();
    const seen = touched;
    try {
      cache.forgetAnnotations(imageId);
      const recs = await cache.annotations(imageId, true);
      if (image?.id === imageId) reconcile({ store, imageId, hasPending: (cid) => outbox.hasPending(cid) || seen.has(cid) }, recs.filter(isVisible));
    } catch {
      /* the next reconnect tries again */
    } finally {
      if (touched === seen) touched = null;
    }
  }

  async function go(which: keyof Neighbors): Promise<void> {
    if (!image) return;
    const from = image.id;
    let n = neighbors;
    if (!n) {
      try {
        n = await api.neighbors(from, filters);
      } catch (err) {
        notices.show(`Could not find the ${which === "previous" ? "previous" : "next"} image: ${errorMessage(err)}`, "error");
        return;
      }
    }
    const target = n[which];
    if (target === null || target === undefined) {
      notices.show(which === "previous" ? "This is the first image." : which === "next_unlabelled" ? "No unlabelled images left." : "This is the last image.", "info", 2500);
      return;
    }
    if (image?.id === from) await open(target, true);
  }

  listenReview(live.socket);

  async function patchImage(body: api.ImagePatch): Promise<Image | null> {
    if (!image) return null;
    try {
      const fresh = await api.images.update(image.id, body);
      cache.setMeta(fresh);
      if (image?.id === fresh.id) showImage({ ...image, ...fresh });
      return fresh;
    } catch (err) {
      notices.show(`Not saved: ${errorMessage(err)}`, "error");
      if (image) panel.card.set(image);
      return null;
    }
  }

  async function markDone(): Promise<void> {
    if (!image) return;
    const nextId = neighbors?.next ?? null;
    const fresh = await patchImage({ status: "done" as ImageStatus });
    if (!fresh) return;
    if (nextId !== null) await open(nextId, true);
    else await go("next");
  }

  async function toggleGold(): Promise<void> {
    if (!image) return;
    if (!canManage) {
      notices.show("Only managers and owners can mark gold images.", "info", 3000);
      return;
    }
    await patchImage({ sample_weight: image.gold ? NORMAL_WEIGHT : GOLD_WEIGHT });
  }

  /** A tag's hotkey or chip: on a pending predicted tag it accepts it (not delete it). */
  function toggleTag(labelId: number): void {
    const tag = store.tagFor(labelId);
    if (tag && isPending(tag)) void review.judge("accept", tag.key);
    else editor.toggleTag(labelId);
  }

  function undo(): void {
    input.cancel();
    if (!editor.undo()) notices.show("Nothing to undo.", "info", 1500);
  }

  function redo(): void {
    if (!editor.redo()) notices.show("Nothing to redo.", "info", 1500);
  }

  bindKeys({
    overlayOpen: () => overlay.open,
    toggleOverlay: () => overlay.toggle(),
    closeOverlay: () => overlay.hide(),
    undo,
    redo,
    markDone: () => void markDone(),
    next: () => void go("next"),
    prev: () => void go("previous"),
    nextUnlabelled: () => void go("next_unlabelled"),
    deleteSelected: () => {
      if (interaction.selected) editor.remove(interaction.selected);
    },
    escape: () => {
      if (!input.cancel()) interaction.select(null);
    },
    tool: (n) => tools.use(n),
    zoom: (dir) => viewport.zoomAt(viewport.width / 2, viewport.height / 2, dir > 0 ? 1.25 : 0.8),
    fit: () => viewport.fit(),
    gold: () => void toggleGold(),
    space: (on) => input.setSpace(on),
    review: reviewKeyHandler,
    labelKey: (key, shift) => {
      const label = labels.byHotkey(key);
      if (!label) return false;
      if (shift) labels.setCurrent(label.id);
      else if (interaction.selected) {
        editor.setLabel(interaction.selected, label.id);
        labels.setCurrent(label.id);
      } else toggleTag(label.id);
      return true;
    },
  });

  window.addEventListener("popstate", (e) => {
    const fromState = (e.state as { imageId?: unknown } | null)?.imageId;
    const m = /\/label\/(\d+)\/?$/.exec(window.location.pathname);
    const id = typeof fromState === "number" ? fromState : m ? Number(m[1]) : NaN;
    if (Number.isFinite(id) && id !== image?.id) void open(id, false);
  });

  exposeDebug({ store, viewport, renderer, interaction, editor, outbox, tools, labels, canvas,
    imageId: () => image?.id ?? null, ready: () => app.dataset.state === "ready" });

  api.labels.list(projectId).then((page) => labels.set(page.results), (err) => notices.show(`Could not load labels: ${errorMessage(err)}`, "error"));
  const first = Number(app.dataset.imageId);
  window.history.replaceState({ imageId: first }, "", window.location.href);
  void open(first, false);
}
