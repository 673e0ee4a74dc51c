/**
 * The labeller page: composes the framework-free core (store, editor, viewport, tools,
 * renderer, outbox, realtime) with the DOM parts around it, and moves between images
 * without reloading the page.
 */
import { annotations, assist } from "../../api/annotations";
import { errorMessage } from "../../api/http";
import { type Image, type ImagePatch, images } from "../../api/images";
import { labels as labelsApi } from "../../api/labels";
import { Editor } from "../../labeller/core/editor";
import { History } from "../../labeller/core/history";
import { LabelSet } from "../../labeller/core/labels";
import { isPending } from "../../labeller/core/review";
import { Interaction } from "../../labeller/core/selection";
import { AnnotationStore, ringsOf } from "../../labeller/core/store";
import { Viewport } from "../../labeller/core/viewport";
import { CanvasRenderer } from "../../labeller/render/canvas";
import { bindOutbox, replayPending } from "../../labeller/sync/bind";
import { Outbox } from "../../labeller/sync/outbox";
import { goldToggleWeight } from "../../lib/boot";
import { byId, h, replaceChildren } from "../../lib/dom";
import { baseName } from "../../lib/format";
import { filterParams, parseFilters } from "../../lib/query";
import { atLeast, parseRole } from "../../lib/roles";
import { labellerImageId, labellerUrl, projectUrl } from "../../lib/urls";
import { exposeDebug } from "./debug";
import { Header } from "./header";
import { attachCanvasInput } from "./input";
import { bindKeys } from "./keys";
import { ImageLifecycle, type Direction } from "./lifecycle";
import { connectLive } from "./live";
import { ImageCache } from "./loader";
import { Notices } from "./notices";
import { PeopleList } from "./people";
import { REVIEW_HINT, wireReview } from "./review-wire";
import { ShortcutsOverlay } from "./shortcuts";
import { StatusBar } from "./statusbar";
import { Toolbar } from "./toolbar";
import { Veil } from "./veil";
import { aspectPreview } from "./aspect-preview";
import { CropPanel } from "./crop-panel";
import { batchChip } from "./batch-chip";
import { IssuesPanel } from "./issues";
import { reportActivity } from "./activity";
import { inboxRefresh } from "../../ui/inbox";
import { OpinionPanel } from "./opinion";
import { buildPanel, createTools, hintFor, safeStorage } from "./wiring";
import { convertShape } from "../../labeller/core/convert";

export function mountLabeller(): void {
  const app = byId("app");
  if (!app) return;
  const projectId = Number(app.dataset.projectId);
  const role = parseRole(app.dataset.role?.toLowerCase());
  const me = app.dataset.username ?? "";
  const canManage = atLeast(role, "manager");
  const canReview = atLeast(role, "reviewer");
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
    transport: { create: annotations.create, update: annotations.update, remove: annotations.remove },
    storage: safeStorage(),
    isOnline: () => navigator.onLine,
  });
  const cache = new ImageCache();

  // ---- image lifecycle (the DOM parts it drives are made below) ----
  const session = new ImageLifecycle<HTMLImageElement>({
    source: cache,
    neighbors: (id) => images.neighbors(id, filterParams(filters)),
    store, history, interaction,
    replay: (id) => replayPending(store, outbox, id),
    hasPending: (cid) => outbox.hasPending(cid),
    view: {
      pushUrl: (id) => window.history.pushState({ imageId: id }, "", labellerUrl(projectId, id, search)),
      opening: (id) => {
        app.dataset.imageId = String(id);
        app.dataset.state = "loading";
        input.cancel();
      },
      veil: (state, message) => veil.set(state, message),
      showImage: (next) => {
        if (!next) return header.setImage(null);
        header.setImage(next);
        issues.imageChanged();
        panel.card.set(next);
        const crumb = byId("crumb-image");
        if (crumb) crumb.textContent = baseName(next.filename);
        document.title = `${baseName(next.filename)} · Labelforge`;
      },
      opened: (meta) => {
        review.imageOpened();
        previewAspect?.(meta.id);
        opinion?.show(meta.id);
        issues.show(meta.id);
        viewport.setImage(meta.width, meta.height);
        renderer.setImage(null);
        veil.set(null);
        app.dataset.state = "loading-file";
        live.announce();
      },
      showFile: (meta, file) => {
        if (file) renderer.setImage(file, meta.width, meta.height);
        app.dataset.state = "ready";
      },
      showNeighbors: (n) => header.setNeighbors(n),
      notice: (m, kind, ms) => notices.show(m, kind, ms),
    },
  });
  const go = (which: Direction): Promise<void> => session.go(which);
  const open = (id: number, push: boolean): Promise<void> => session.open(id, push);

  // ---- DOM ----
  const notices = new Notices();
  const overlay = new ShortcutsOverlay();
  const header = new Header({ prev: () => void go("previous"), next: () => void go("next"), done: () => void markDone(), help: () => overlay.toggle() });
  const statusbar = new StatusBar();
  const canvas = h("canvas", { "data-testid": "labeller-canvas", "aria-label": "Image: draw and edit boxes" });
  const veil = new Veil(app, projectUrl(projectId, search));
  const stage = h("div", { class: "lab-stage" }, canvas, veil.el, notices.el);
  const people = new PeopleList(me, (id) => void open(id, true));

  const renderer = new CanvasRenderer(canvas, { store, viewport, interaction, style: (id) => ({ color: labels.color(id), name: labels.name(id) }),
    brush: () => (tools.name === "brush" || tools.name === "eraser" ? { radius: brush.radius, erase: tools.name === "eraser" } : null) });
  labels.on(() => renderer.restyle());

  const previewAspect = canManage ? aspectPreview(search, projectId, interaction, notices) : null;
  const crop = new CropPanel({
    projectId, image: () => session.image, close: () => tools.active.cancel(),
    boxes: () => store.boxes().flatMap((a) => (a.box ? [a.box] : [])),
  });
  let samWarned = false;
  let assistNote = "";
  const { tools, pan, brush } = createTools({
    store, interaction, viewport, editor, labels, canvas, hint: (m) => notices.show(m, "info", 3000),
    onRegion: canManage ? (box) => (box ? crop.open(box) : crop.close()) : undefined,
    segment: async (box, points) => {
      const id = session.image?.id;
      if (id === undefined) return null;
      const got = await assist.segment(id, box, points);
      if (got.fallback && !samWarned) {
        samWarned = true;
        notices.show(`Segment-Anything is not used: ${got.fallback}. GrabCut outlines instead.`, "info", 6000);
      }
      assistNote = ` · outlined by ${got.method === "sam" ? "Segment-Anything" : "GrabCut"} in ${Math.round(got.ms)} ms`;
      paintHint();
      return ringsOf(got.polygon);
    },
  });
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
    image: () => session.image,
    open,
    refreshAnnotations: () => session.refreshAnnotations(),
    onMode: (on) => {
      reviewing = on;
      paintHint();
    },
  });
  panel.el.insertBefore(review.el, panel.el.firstChild);

  // ---- the queue of likely label errors (the grid's "Likely label errors first") ----
  const opinion = filters.order === "mistakenness"
    ? new OpinionPanel({
      labels, interaction,
      hasTag: (id) => store.tagFor(id) !== undefined,
      toggleTag: (id) => toggleTag(id),
      onChange: (fn) => {
        labels.on(fn);
        store.on(fn);
      },
    })
    : null;
  if (opinion) panel.el.insertBefore(opinion.el, panel.el.firstChild);

  // ---- human review: a reviewer's decision, and the issues pinned to the image ----
  const issues = new IssuesPanel({
    viewport, stage, canReview,
    image: () => session.image,
    decided: async (fresh) => {
      const nextId = session.neighbors?.next ?? null;
      cache.setMeta(fresh);
      session.merge(fresh);
      inBatch?.refresh();
      if (nextId !== null) await open(nextId, true);
    },
    notice: (m, kind, ms) => notices.show(m, kind, ms),
  });
  panel.el.insertBefore(issues.el, panel.el.firstChild);

  stage.appendChild(crop.el);
  const toolbar = new Toolbar({
    canCrop: tools.has("crop"),
    tool: (n) => tools.use(n),
    zoomIn: () => viewport.zoomAt(viewport.width / 2, viewport.height / 2, 1.25),
    zoomOut: () => viewport.zoomAt(viewport.width / 2, viewport.height / 2, 0.8),
    fit: () => viewport.fit(),
    undo: () => undo(),
    redo: () => redo(),
  });

  const inBatch = filters.batch !== undefined ? batchChip(filters.batch) : null;
  header.el.insertBefore(review.button, header.el.querySelector(".spacer"));
  if (inBatch) header.el.insertBefore(inBatch.el, header.el.querySelector(".spacer"));
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
    const chosen = interaction.selected !== null ? store.get(interaction.selected) : undefined;
    statusbar.setHint(hintFor(tools.name, labels.current !== null ? labels.name(labels.current) : null,
      chosen?.kind === "polygon" || chosen?.kind === "mask" ? chosen.kind : chosen !== undefined, brush.radius)
      + (tools.name === "assist" ? assistNote : ""));
  }
  brush.on(() => {
    paintHint();
    renderer.invalidate();
  });
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
    if (!countQueued) {
      countQueued = true;
      requestAnimationFrame(() => {
        countQueued = false;
        statusbar.setCounts(store.boxes().length, store.tags().length, store.size - store.boxes().length - store.tags().length);
      });
    }
  });
  outbox.onStatus((s) => header.setSave(s));
  window.addEventListener("online", () => outbox.wake());
  window.addEventListener("offline", () => outbox.wake());
  bindOutbox({ store, outbox, imageId: () => session.image?.id ?? null, labelName: (id) => labels.name(id), notice: (m, k) => notices.show(m, k) });
  // Work left from an earlier visit (any image) goes out now.
  outbox.wake();

  // ---- realtime ----
  const live = connectLive({
    projectId, me, store, outbox, cache, statusbar, header, people,
    current: () => session.image,
    target: () => Number(app.dataset.imageId),
    onImage: (fresh) => session.merge(fresh),
    onReconnect: () => void session.refreshAnnotations(),
  });

  listenReview(live.socket);
  live.socket.on("notification.created", () => inboxRefresh());
  live.socket.on("issues.changed", (payload) => issues.remote(payload as Parameters<IssuesPanel["remote"]>[0]));

  async function patchImage(body: ImagePatch): Promise<Image | null> {
    const image = session.image;
    if (!image) return null;
    try {
      const fresh = await images.update(image.id, body);
      cache.setMeta(fresh);
      session.merge(fresh);
      if (body.status) inBatch?.refresh();
      return fresh;
    } catch (err) {
      notices.show(`Not saved: ${errorMessage(err)}`, "error");
      if (session.image) panel.card.set(session.image);
      return null;
    }
  }

  async function markDone(): Promise<void> {
    if (!session.image) return;
    const nextId = session.neighbors?.next ?? null;
    // accepted already (only a reviewer may reopen it), or waiting for review: just go on
    const fresh = session.image.stage === "annotation" ? await patchImage({ status: "done" }) : session.image;
    if (!fresh) return;
    if (nextId !== null) await open(nextId, true);
    else await go("next");
  }

  async function toggleGold(): Promise<void> {
    const image = session.image;
    if (!image) return;
    if (!canManage) {
      notices.show("Only managers and owners can mark gold images.", "info", 3000);
      return;
    }
    await patchImage({ sample_weight: goldToggleWeight(image.gold) });
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
    toolKey: (key) => tools.active.busy && (tools.active.key?.(key) ?? false),
    tool: (n) => tools.use(n),
    brushSize: (dir) => brush.step(dir),
    convert: () => {
      const key = interaction.selected;
      const done = key ? convertShape(editor, key, viewport.imageWidth, viewport.imageHeight) : { error: "Select a polygon or a mask to convert." };
      if ("error" in done) notices.show(done.error, "info", 3000);
      else interaction.select(done.keys[0] ?? null);
    },
    zoom: (dir) => viewport.zoomAt(viewport.width / 2, viewport.height / 2, dir > 0 ? 1.25 : 0.8),
    fit: () => viewport.fit(),
    gold: () => void toggleGold(),
    space: (on) => input.setSpace(on),
    review: (key, shift) => issues.key(key, shift) || reviewKeyHandler(key, shift),
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
    const id = typeof fromState === "number" ? fromState : labellerImageId(window.location.pathname) ?? NaN;
    if (Number.isFinite(id) && id !== session.image?.id) void open(id, false);
  });

  exposeDebug({ store, viewport, renderer, interaction, editor, outbox, tools, labels, canvas,
    imageId: () => session.image?.id ?? null, ready: () => app.dataset.state === "ready" });

  reportActivity(projectId);
  labelsApi.list(projectId).then((page) => labels.set(page.results), (err) => notices.show(`Could not load labels: ${errorMessage(err)}`, "error"));
  const first = Number(app.dataset.imageId);
  window.history.replaceState({ imageId: first }, "", window.location.href);
  void open(first, false);
}
