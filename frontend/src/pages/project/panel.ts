/** The side panel for one image: full view with boxes, metadata, status/split/gold controls. */
import { annotations, type Annotation } from "../../api/annotations";
import { errorMessage } from "../../api/http";
import { type Image, type ImagePatch, images, SPLITS, STATUSES } from "../../api/images";
import { goldFactor, goldToggleWeight } from "../../lib/boot";
import { h, isTyping, option, replaceChildren } from "../../lib/dom";
import { baseName, formatBytes, humanize, plural, relativeTime, textOn } from "../../lib/format";
import { labellerUrl } from "../../lib/urls";
import { messageArea } from "../../ui/toast";
import type { ProjectContext } from "./context";

export interface PanelHost {
  get: (id: number) => Image | undefined;
  /** Id of the neighbour `step` away, loading more of the grid if needed. */
  neighbour: (id: number, step: number) => Promise<number | null>;
  position: (id: number) => { index: number; total: number; more: boolean };
  onUpdated: (image: Image) => void;
  onClose: (id: number | null) => void;
  onSelect: (id: number) => void;
}

export class ImagePanel {
  readonly el: HTMLElement;
  private current: Image | null = null;
  private annotations: Annotation[] | null = null;
  private seq = 0;
  private readonly msg = messageArea();

  constructor(private readonly ctx: ProjectContext, private readonly host: PanelHost) {
    this.el = h("aside", { class: "drawer", role: "dialog", "aria-label": "Image details", "data-testid": "image-panel", hidden: true });
    document.addEventListener("keydown", (e) => this.onKey(e));
  }

  get isOpen(): boolean {
    return this.current !== null;
  }

  get imageId(): number | null {
    return this.current?.id ?? null;
  }

  open(image: Image): void {
    const wasOpen = this.isOpen;
    this.current = image;
    this.annotations = null;
    this.msg.clear();
    this.el.hidden = false;
    document.body.classList.add("drawer-open");
    this.host.onSelect(image.id);
    this.render();
    // Focus "Label": Enter on a tile opens the panel, a second Enter opens the labeller.
    if (!wasOpen) (this.el.querySelector<HTMLElement>("[data-labeller]") ?? this.el.querySelector<HTMLElement>("[data-close]"))?.focus();
    void this.loadAnnotations(image.id);
  }

  close(): void {
    const id = this.current?.id ?? null;
    this.current = null;
    this.el.hidden = true;
    document.body.classList.remove("drawer-open");
    this.host.onClose(id);
  }

  /** A newer version of an image arrived (socket, poll, another tab). */
  refresh(image: Image): void {
    if (this.current?.id !== image.id) return;
    this.current = { ...this.current, ...image };
    this.render();
  }

  annotationsChanged(imageId: number): void {
    if (this.current?.id === imageId) void this.loadAnnotations(imageId);
  }

  private async go(step: number): Promise<void> {
    if (!this.current) return;
    const id = await this.host.neighbour(this.current.id, step);
    const next = id === null ? undefined : this.host.get(id);
    if (next) this.open(next);
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.isOpen || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "Escape") {
      e.preventDefault();
      this.close();
    } else if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && !isTyping(e)) {
      e.preventDefault();
      void this.go(e.key === "ArrowLeft" ? -1 : 1);
    }
  }

  private async loadAnnotations(imageId: number): Promise<void> {
    const seq = ++this.seq;
    try {
      const page = await annotations.list(imageId);
      if (seq !== this.seq || this.current?.id !== imageId) return;
      this.annotations = page.results;
    } catch (err) {
      if (seq !== this.seq) return;
      this.annotations = [];
      this.msg.show(`Could not load annotations: ${errorMessage(err)}`);
    }
    this.render();
  }

  private async save(body: ImagePatch, revert: () => void): Promise<void> {
    const image = this.current;
    if (!image) return;
    this.msg.clear();
    try {
      const fresh = await images.update(image.id, body);
      this.host.onUpdated(fresh);
      if (this.current?.id === fresh.id) this.refresh(fresh);
    } catch (err) {
      revert();
      this.msg.show(errorMessage(err));
    }
  }

  private render(): void {
    const image = this.current;
    if (!image) return;
    // Re-rendering replaces the buttons: keep keyboard focus where it was (Enter opens the labeller).
    const active = document.activeElement as HTMLElement | null;
    const refocus = active && this.el.contains(active) ? (active.dataset.testid ?? (active.hasAttribute("data-close") ? "" : null)) : null;
    queueMicrotask(() => {
      if (refocus === null || this.el.contains(document.activeElement)) return;
      const sel = refocus ? `[data-testid="${refocus}"]` : "[data-close]";
      this.el.querySelector<HTMLElement>(sel)?.focus();
    });
    const pos = this.host.position(image.id);
    const posText = pos.index >= 0 ? `${pos.index + 1} of ${pos.total}${pos.more ? "+" : ""}` : "";
    replaceChildren(this.el,
      h("header", { class: "drawer-head" },
        h("div", { class: "drawer-title" },
          h("h2", { title: image.filename }, baseName(image.filename)),
          h("span", { class: "muted small" }, posText),
        ),
        h("div", { class: "btn-group" },
          h("button", {
            type: "button", class: "primary small", "data-testid": "open-labeller", "data-labeller": "",
            title: "Open in the labeller (Enter)",
            onclick: () => window.location.assign(labellerUrl(image.project, image.id, window.location.search)),
          }, "Label ↗"),
          h("button", { type: "button", class: "icon", title: "Previous (←)", "aria-label": "Previous image", onclick: () => void this.go(-1) }, "‹"),
          h("button", { type: "button", class: "icon", title: "Next (→)", "aria-label": "Next image", onclick: () => void this.go(1) }, "›"),
          h("button", { type: "button", class: "icon", title: "Close (Esc)", "aria-label": "Close", "data-close": "", onclick: () => this.close() }, "✕"),
        ),
      ),
      this.viewer(image),
      h("div", { class: "drawer-body" },
        this.controls(image),
        this.msg.el,
        this.annotationSummary(),
        this.meta(image),
      ),
    );
  }

  private viewer(image: Image): HTMLElement {
    const boxes = (this.annotations ?? []).filter((a) => a.kind === "box" && a.box);
    const w = Math.max(1, image.width);
    const hgt = Math.max(1, image.height);
    const frame = h("div", { class: "viewer-frame", style: `--ar:${w / hgt}` },
      h("img", { src: image.file, alt: image.filename, decoding: "async" }),
      boxes.map((a) => {
        const b = a.box!;
        const label = this.ctx.labels.byId(a.label);
        const style = `left:${(b.x / w) * 100}%;top:${(b.y / hgt) * 100}%;width:${(b.w / w) * 100}%;height:${(b.h / hgt) * 100}%;--c:${label?.color ?? "#7c8cff"};--fg:${textOn(label?.color ?? "#7c8cff")}`;
        return h("div", { class: `box${a.source === "model" ? " model" : ""}`, style, title: label?.name ?? "" },
          h("span", null, label?.name ?? "?"));
      }),
    );
    return h("div", { class: "viewer" }, frame);
  }

  private controls(image: Image): HTMLElement {
    const status = h("select", { "aria-label": "Status", "data-testid": "panel-status" },
      STATUSES.map((s) => option(s, humanize(s))));
    status.value = image.status;
    status.addEventListener("change", () => {
      const before = image.status;
      void this.save({ status: status.value as Image["status"] }, () => (status.value = before));
    });
    const rows: HTMLElement[] = [h("label", { class: "field" }, h("span", null, "Status"), status)];
    if (this.ctx.canManage) {
      const split = h("select", { "aria-label": "Split", "data-testid": "panel-split" },
        SPLITS.map((s) => option(s, humanize(s))));
      split.value = image.split;
      split.addEventListener("change", () => {
        const before = image.split;
        void this.save({ split: split.value as Image["split"] }, () => (split.value = before));
      });
      const gold = h("button", {
        type: "button", class: `toggle gold-toggle${image.gold ? " on" : ""}`, "aria-pressed": String(image.gold),
        "data-testid": "panel-gold", title: `Gold images are drawn ${goldFactor()} as often in training`,
      }, "★ ", image.gold ? "Gold" : "Mark gold");
      gold.addEventListener("click", () => {
        gold.disabled = true;
        const weight = goldToggleWeight(image.gold);
        void this.save({ sample_weight: weight }, () => (gold.disabled = false));
      });
      rows.push(h("label", { class: "field" }, h("span", null, "Split"), split),
        h("div", { class: "field" }, h("span", null, "Training weight"), gold));
    } else {
      rows.push(
        h("div", { class: "field" }, h("span", null, "Split"), h("span", { class: "value" }, humanize(image.split))),
        h("div", { class: "field" }, h("span", null, "Gold"), h("span", { class: "value" }, image.gold ? "★ Yes" : "No")),
      );
    }
    return h("div", { class: "controls" }, rows);
  }

  private annotationSummary(): HTMLElement {
    const list = this.annotations;
    if (list === null) return h("section", { class: "annots" }, h("h3", null, "Annotations"), h("p", { class: "muted small" }, "Loading…"));
    const tags = list.filter((a) => a.kind === "tag");
    const boxes = list.filter((a) => a.kind === "box");
    const byModel = list.filter((a) => a.source === "model").length;
    const boxCounts = new Map<number, number>();
    for (const b of boxes) boxCounts.set(b.label, (boxCounts.get(b.label) ?? 0) + 1);
    const chip = (labelId: number, extra?: string): HTMLElement => {
      const l = this.ctx.labels.byId(labelId);
      return h("span", { class: "chip", style: `--c:${l?.color ?? "#888"}` }, h("i", null), l?.name ?? `#${labelId}`, extra ? h("b", null, extra) : null);
    };
    return h("section", { class: "annots", "data-testid": "panel-annotations" },
      h("h3", null, "Annotations ", h("span", { class: "muted small" },
        list.length ? `${plural(tags.length, "tag")} · ${plural(boxes.length, "box", "boxes")}${byModel ? ` · ${byModel} by model` : ""}` : "none yet")),
      tags.length ? h("div", { class: "chips" }, tags.map((t) => chip(t.label, t.source === "model" && t.score !== null ? `${Math.round(t.score * 100)}%` : undefined))) : null,
      boxes.length ? h("div", { class: "chips" }, [...boxCounts].map(([id, n]) => chip(id, `${n}▢`))) : null,
    );
  }

  private meta(image: Image): HTMLElement {
    const row = (k: string, v: string, title?: string): HTMLElement[] => [h("dt", null, k), h("dd", title ? { title } : null, v)];
    return h("dl", { class: "meta" },
      image.filename !== baseName(image.filename) ? row("Path", image.filename, image.filename) : null,
      row("Dimensions", `${image.width} × ${image.height}`),
      row("Format", image.format),
      row("Size", formatBytes(image.size_bytes)),
      row("Weight", String(image.sample_weight)),
      row("Uploaded", relativeTime(image.created_at), image.created_at),
      row("SHA-256", `${image.sha256.slice(0, 12)}…`, image.sha256),
    );
  }
}
