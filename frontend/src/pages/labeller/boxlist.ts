/**
 * Side panel: the boxes, polygons and masks of this image, in drawing order; kept in step with
 * the store row by row.
 */
import { h, replaceChildren } from "../../lib/dom";
import type { LabelSet } from "../../labeller/core/labels";
import type { Interaction } from "../../labeller/core/selection";
import type { Ann, AnnotationStore } from "../../labeller/core/store";
import { rleBounds } from "../../labeller/shapes/rle";

const LISTED = new Set(["box", "polygon", "mask"]);

/** What a row says about the shape's size: a box's w×h, a polygon's points, a mask's pixels. */
function size(a: Ann): { text: string; title: string } {
  if (a.kind === "box" && a.box) return { text: `${Math.round(a.box.w)}×${Math.round(a.box.h)}`, title: `x ${Math.round(a.box.x)}, y ${Math.round(a.box.y)}` };
  if (a.kind === "polygon" && a.rings) {
    const n = a.rings.reduce((k, r) => k + r.length, 0);
    const holes = a.rings.length - 1;
    return { text: `⬠ ${n} pts`, title: `Polygon: ${n} points${holes ? `, ${holes} hole${holes > 1 ? "s" : ""}` : ""}` };
  }
  if (a.kind === "mask" && a.mask) {
    let area = 0;
    try {
      area = rleBounds(a.mask).area;
    } catch {
      /* drawn as nothing; listed all the same */
    }
    return { text: `▦ ${area.toLocaleString()} px`, title: "Mask: pixels set" };
  }
  return { text: "", title: "" };
}

export interface BoxListActions {
  select: (key: string) => void;
  hover: (key: string | null) => void;
  setLabel: (key: string, label: number) => void;
  remove: (key: string) => void;
  focus: (key: string) => void;
}

export class BoxList {
  readonly el: HTMLElement;
  private readonly list = h("ul", { class: "box-list", "data-testid": "box-list", "aria-label": "Boxes and shapes" });
  private readonly count = h("span", { class: "count" }, "0");
  private readonly empty = h("p", { class: "box-empty muted small" }, "Nothing drawn yet. Press ", h("kbd", null, "B"), " and drag for a box, ",
    h("kbd", null, "P"), " for a polygon, ", h("kbd", null, "K"), " to paint a mask.");
  private readonly rows = new Map<string, HTMLLIElement>();
  private rebuildQueued = false;
  private shownSelected: string | null = null;
  private shownHovered: string | null = null;

  constructor(
    private readonly store: AnnotationStore,
    private readonly labels: LabelSet,
    private readonly interaction: Interaction,
    private readonly actions: BoxListActions,
  ) {
    this.el = h("section", { class: "lab-section grow" },
      h("h3", null, "Objects ", this.count, h("span", { class: "muted small" }, "click selects · double-click zooms")),
      this.empty, this.list);
    this.wire();
    store.on((c) => {
      if (c.type === "reset") return this.queueRebuild();
      if (!LISTED.has(c.ann.kind)) return;
      if (this.rebuildQueued) return;
      if (c.type === "create") {
        const row = this.row(c.ann);
        this.rows.set(c.key, row);
        this.list.appendChild(row);
      } else if (c.type === "update") {
        const old = this.rows.get(c.key);
        const row = this.row(c.ann);
        this.rows.set(c.key, row);
        if (old) old.replaceWith(row);
        else this.list.appendChild(row);
      } else {
        this.rows.get(c.key)?.remove();
        this.rows.delete(c.key);
      }
      this.paintCount();
    });
    labels.on(() => this.queueRebuild());
    interaction.on((what) => {
      if (what === "selection" || what === "hover") this.paintFocus(what === "selection");
    });
    this.rebuild();
  }

  private wire(): void {
    const keyOf = (t: EventTarget | null): string | null =>
      (t as HTMLElement | null)?.closest<HTMLElement>("[data-key]")?.dataset.key ?? null;
    this.list.addEventListener("click", (e) => {
      const key = keyOf(e.target);
      if (!key) return;
      const t = e.target as HTMLElement;
      if (t.closest("[data-delete]")) this.actions.remove(key);
      else if (!t.closest("select")) this.actions.select(key);
    });
    this.list.addEventListener("dblclick", (e) => {
      const key = keyOf(e.target);
      if (key && !(e.target as HTMLElement).closest("select,button")) this.actions.focus(key);
    });
    this.list.addEventListener("change", (e) => {
      const sel = e.target as HTMLSelectElement;
      const key = keyOf(sel);
      if (key && sel.tagName === "SELECT") {
        this.actions.setLabel(key, Number(sel.value));
        sel.blur();
      }
    });
    this.list.addEventListener("mouseover", (e) => this.actions.hover(keyOf(e.target)));
    this.list.addEventListener("mouseleave", () => this.actions.hover(null));
  }

  private queueRebuild(): void {
    if (this.rebuildQueued) return;
    this.rebuildQueued = true;
    requestAnimationFrame(() => {
      this.rebuildQueued = false;
      this.rebuild();
    });
  }

  private rebuild(): void {
    this.rows.clear();
    const frag = document.createDocumentFragment();
    for (const a of this.store.all()) {
      if (!LISTED.has(a.kind)) continue;
      const row = this.row(a);
      this.rows.set(a.key, row);
      frag.appendChild(row);
    }
    replaceChildren(this.list, frag);
    this.paintCount();
    this.paintFocus(false);
  }

  private paintCount(): void {
    this.count.textContent = String(this.rows.size);
    this.empty.hidden = this.rows.size > 0;
  }

  private paintFocus(scroll: boolean): void {
    const { selected, hovered } = this.interaction;
    for (const k of [this.shownSelected, this.shownHovered]) if (k) this.rows.get(k)?.classList.remove("selected", "hovered");
    this.shownSelected = selected;
    this.shownHovered = hovered;
    if (hovered) this.rows.get(hovered)?.classList.add("hovered");
    if (selected) {
      const row = this.rows.get(selected);
      row?.classList.add("selected");
      if (scroll) row?.scrollIntoView({ block: "nearest" });
    }
  }

  private row(a: Ann): HTMLLIElement {
    const dims = size(a);
    const color = this.labels.color(a.label);
    const select = h("select", { class: "label-select", "aria-label": "Label", title: "Change label" });
    for (const l of this.labels.list) select.appendChild(h("option", { value: String(l.id), selected: l.id === a.label }, l.name));
    if (!this.labels.byId(a.label)) select.appendChild(h("option", { value: String(a.label), selected: true }, `#${a.label}`));
    const { selected, hovered } = this.interaction;
    return h("li", {
      class: `box-item${a.key === selected ? " selected" : ""}${a.key === hovered ? " hovered" : ""}${a.id === null ? " unsaved" : ""}`,
      "data-testid": a.kind === "box" ? "box-item" : "shape-item", "data-kind": a.kind, "data-key": a.key, "data-annotation-id": a.id === null ? "" : String(a.id),
      "data-label-id": String(a.label), "data-source": a.source, style: `--c:${color}`,
    },
      h("i", { class: `swatch-dot${a.source === "model" && a.review === "pending" ? " dashed" : ""}`, "aria-hidden": "true" }),
      select,
      h("span", { class: "dims", title: dims.title }, dims.text),
      a.source === "model"
        ? h("span", { class: `src model${a.review === "pending" ? " pending-review" : ""}`, title: a.review === "pending" ? "Predicted by a model, not reviewed yet" : "Predicted by a model, accepted" }, a.score !== null ? `AI ${Math.round(a.score * 100)}%` : "AI")
        : a.id === null ? h("span", { class: "src pending", title: "Not saved yet" }, "•") : null,
      h("button", { type: "button", class: "icon del", title: "Delete (Del)", "aria-label": `Delete ${a.kind}`, "data-delete": "" }, "✕"),
    );
  }
}
