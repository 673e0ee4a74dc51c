/** The thumbnail grid: one tile per image, updated in place by id. */
import type { Image } from "../../api/images";
import { h } from "../../lib/dom";
import { baseName, formatBytes, formatTimestamp, humanize, plural } from "../../lib/format";
import { labellerUrl } from "../../lib/urls";
import { uncertaintyLevel, uncertaintyWidth } from "./uncertainty";

/** A thin bar along the tile's bottom edge: how unsure the model was (null: never scored). */
function uncertaintyBar(u: number | null | undefined): HTMLElement | null {
  const w = uncertaintyWidth(u);
  if (w === null) return null;
  return h("span", { class: `uncertainty ${uncertaintyLevel(u!)}`, "data-testid": "uncertainty", "data-uncertainty": u!.toFixed(3), title: `Model uncertainty ${Math.round(u! * 100)}%`, "aria-label": `Model uncertainty ${Math.round(u! * 100)}%` },
    h("i", { style: `width:${w}%` }));
}

/** A corner badge once a model's predictions disagree more than they agree with the labels. */
function mistakeBadge(m: number | null | undefined): HTMLElement | null {
  if (m === null || m === undefined || m < MISTAKE_SHOWN) return null;
  const pct = Math.round(m * 100);
  return h("span", { class: "mistake-badge", "data-testid": "tile-mistake", "data-mistakenness": m.toFixed(3), title: `Likely label error: the model disagrees with the label (${pct}%)` }, `⚠ ${pct}%`);
}

const MISTAKE_SHOWN = 0.5;

export type TileState = "ready" | "pending" | "failed";

function thumb(image: Image, state: TileState): HTMLElement {
  if (image.thumbnail) {
    const img = h("img", { src: image.thumbnail, alt: image.filename, loading: "lazy", decoding: "async", draggable: "false" });
    img.addEventListener("error", () => img.replaceWith(placeholder("failed")), { once: true });
    return img;
  }
  return placeholder(state);
}

function placeholder(state: TileState): HTMLElement {
  return state === "failed"
    ? h("div", { class: "placeholder failed" }, h("span", { class: "ph-icon" }, "▧"), "No preview")
    : h("div", { class: "placeholder" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Processing…");
}

function renderTile(image: Image, state: TileState = image.thumbnail ? "ready" : "pending"): HTMLElement {
  const n = image.annotation_count;
  return h("div", {
      class: `tile${image.gold ? " is-gold" : ""}${image.excluded ? " is-excluded" : ""}`,
      role: "button",
      tabindex: "0",
      "data-testid": "image-tile",
      "data-image-id": String(image.id),
      "data-status": image.status,
      "data-thumb": image.thumbnail ? "ready" : state,
      title: `${image.filename} · ${image.width}×${image.height} · ${formatBytes(image.size_bytes)}`,
    },
    h("div", { class: "thumb" }, thumb(image, state)),
    image.gold ? h("span", { class: "star", title: "Gold (sampled more often in training)", "aria-label": "Gold" }, "★") : null,
    n !== undefined && n > 0
      ? h("span", { class: "count-badge", title: plural(n, "annotation") }, String(n))
      : null,
    uncertaintyBar(image.uncertainty),
    mistakeBadge(image.mistakenness),
    image.excluded ? h("span", { class: "aside-badge", "data-testid": "tile-excluded", title: "Set aside on the Curation tab: left out of training" }, "set aside") : null,
    image.frame_time !== null && image.frame_time !== undefined
      ? h("span", { class: "frame-time", "data-testid": "frame-time", title: `${image.source_video} at ${formatTimestamp(image.frame_time)}` },
          `▶ ${formatTimestamp(image.frame_time)}`)
      : null,
    h("div", { class: "caption" },
      h("i", { class: `dot status-${image.status}`, title: humanize(image.status), "aria-label": humanize(image.status) }),
      h("span", { class: "name" }, baseName(image.filename)),
      image.split !== "unassigned" ? h("span", { class: `split split-${image.split}` }, image.split) : null,
    ),
  );
}

export class ImageGrid {
  readonly el: HTMLElement;
  private readonly images = new Map<number, Image>();
  private readonly tiles = new Map<number, HTMLElement>();
  private order: number[] = [];
  private selected: number | null = null;

  constructor(onOpen: (id: number) => void) {
    this.el = h("div", { class: "grid", "data-testid": "image-grid", "aria-label": "Images" });
    const pick = (target: EventTarget | null): number | null => {
      const tile = (target as HTMLElement | null)?.closest<HTMLElement>("[data-image-id]");
      return tile ? Number(tile.dataset.imageId) : null;
    };
    this.el.addEventListener("click", (e) => {
      const id = pick(e.target);
      if (id !== null) onOpen(id);
    });
    this.el.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      const id = pick(e.target);
      if (id === null) return;
      e.preventDefault();
      // Ctrl/Cmd/Shift+Enter goes straight to the labeller.
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey || e.shiftKey)) this.openLabeller(id);
      else onOpen(id);
    });
    // Double-click a tile: open it in the labeller, keeping the page's filters for prev/next.
    this.el.addEventListener("dblclick", (e) => {
      const id = pick(e.target);
      if (id !== null) this.openLabeller(id);
    });
  }

  openLabeller(id: number): void {
    const image = this.images.get(id);
    if (image) window.location.assign(labellerUrl(image.project, image.id, window.location.search));
  }

  get size(): number {
    return this.order.length;
  }

  clear(): void {
    this.images.clear();
    this.tiles.clear();
    this.order = [];
    this.el.replaceChildren();
  }

  append(images: Image[]): void {
    const frag = document.createDocumentFragment();
    for (const image of images) {
      if (this.images.has(image.id)) {
        this.update(image);
        continue;
      }
      const tile = renderTile(image);
      this.images.set(image.id, image);
      this.tiles.set(image.id, tile);
      this.order.push(image.id);
      frag.appendChild(tile);
    }
    this.el.appendChild(frag);
    this.paintSelection();
  }

  get(id: number): Image | undefined {
    return this.images.get(id);
  }

  has(id: number): boolean {
    return this.images.has(id);
  }

  /** Merge fresh fields into a shown image (detail/socket payloads lack annotation_count). */
  update(fresh: Image, state?: TileState): Image | undefined {
    const old = this.images.get(fresh.id);
    const tile = this.tiles.get(fresh.id);
    if (!old || !tile) return undefined;
    const merged: Image = { ...old, ...fresh };
    if (fresh.annotation_count === undefined) merged.annotation_count = old.annotation_count;
    this.images.set(fresh.id, merged);
    const next = renderTile(merged, state);
    tile.replaceWith(next);
    this.tiles.set(fresh.id, next);
    if (document.activeElement === tile) next.focus();
    this.paintSelection();
    return merged;
  }

  markFailed(id: number): void {
    const image = this.images.get(id);
    if (image && !image.thumbnail) this.update(image, "failed");
  }

  bumpAnnotations(id: number, delta: number): void {
    const image = this.images.get(id);
    if (!image || image.annotation_count === undefined) return;
    this.update({ ...image, annotation_count: Math.max(0, image.annotation_count + delta) });
  }

  /** The id `step` tiles away from `id` in grid order, or null past either end. */
  neighbour(id: number, step: number): number | null {
    const i = this.order.indexOf(id);
    if (i < 0) return null;
    return this.order[i + step] ?? null;
  }

  position(id: number): number {
    return this.order.indexOf(id);
  }

  select(id: number | null): void {
    this.selected = id;
    this.paintSelection();
    if (id !== null) this.tiles.get(id)?.scrollIntoView({ block: "nearest" });
  }

  focusTile(id: number): void {
    this.tiles.get(id)?.focus({ preventScroll: false });
  }

  private paintSelection(): void {
    for (const [id, tile] of this.tiles) tile.classList.toggle("selected", id === this.selected);
  }
}
