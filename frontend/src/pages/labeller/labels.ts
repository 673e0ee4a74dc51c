/** Side panel: the label picker (label for new boxes) and the image-level tag chips. */
import type { Label } from "../../api/labels";
import type { LabelSet } from "../../labeller/core/labels";
import { RESERVED_KEYS } from "../../labeller/core/labels";
import type { AnnotationStore } from "../../labeller/core/store";
import { h, replaceChildren } from "../../lib/dom";
import { textOn } from "../../lib/format";

const hotkey = (l: Label): HTMLElement | null =>
  l.hotkey ? h("kbd", { class: RESERVED_KEYS.has(l.hotkey.toLowerCase()) ? "unbound" : "" }, l.hotkey.toUpperCase()) : null;

export class LabelPicker {
  readonly el: HTMLElement;
  private readonly list = h("div", { class: "label-options", role: "radiogroup", "aria-label": "Label for new boxes" });

  constructor(private readonly labels: LabelSet, onPick: (id: number) => void) {
    this.el = h("section", { class: "lab-section" },
      h("h3", null, "Label", h("span", { class: "muted small" }, "for new boxes · Shift+1–9")),
      this.list);
    this.list.addEventListener("click", (e) => {
      const btn = (e.target as HTMLElement).closest<HTMLElement>("[data-label-id]");
      if (btn) onPick(Number(btn.dataset.labelId));
    });
    this.list.addEventListener("mousedown", (e) => e.preventDefault());
    labels.on(() => this.render());
    this.render();
  }

  render(): void {
    const cur = this.labels.current;
    if (this.labels.list.length === 0) {
      replaceChildren(this.list, h("p", { class: "muted small" }, "This project has no labels yet. A manager adds them on the project’s Labels tab."));
      return;
    }
    replaceChildren(this.list, this.labels.list.map((l) =>
      h("button", {
        type: "button", role: "radio", class: `label-option${l.id === cur ? " current" : ""}`,
        "aria-checked": String(l.id === cur), "data-testid": "label-option", "data-label-id": String(l.id),
        style: `--c:${l.color}`, title: `Draw ${l.name} boxes`,
      }, h("i", { class: "swatch-dot" }), h("span", { class: "name" }, l.name), hotkey(l))));
  }
}

export class TagChips {
  readonly el: HTMLElement;
  private readonly chips = h("div", { class: "tag-chips" });

  constructor(private readonly labels: LabelSet, private readonly store: AnnotationStore, onToggle: (id: number) => void) {
    this.el = h("section", { class: "lab-section" },
      h("h3", null, "Image tags", h("span", { class: "muted small" }, "1–9 with nothing selected")),
      this.chips);
    this.chips.addEventListener("click", (e) => {
      const chip = (e.target as HTMLElement).closest<HTMLElement>("[data-label-id]");
      if (chip) onToggle(Number(chip.dataset.labelId));
    });
    this.chips.addEventListener("mousedown", (e) => e.preventDefault());
    labels.on(() => this.render());
    store.on((c) => {
      if (c.type === "reset" || ("ann" in c && c.ann.kind === "tag")) this.render();
    });
    this.render();
  }

  render(): void {
    const on = new Map(this.store.tags().map((t) => [t.label, t]));
    replaceChildren(this.chips, this.labels.list.map((l) => {
      const tag = on.get(l.id);
      const pressed = tag !== undefined;
      const predicted = tag !== undefined && tag.source === "model" && tag.review === "pending";
      const score = predicted && tag.score !== null ? h("b", null, `${Math.round(tag.score * 100)}%`) : null;
      return h("button", {
        type: "button", class: `tag-chip${pressed ? " on" : ""}${predicted ? " model" : ""}`, "data-review": tag?.review ?? "",
        "aria-pressed": String(pressed), "data-testid": "tag-chip", "data-label-id": String(l.id),
        style: `--c:${l.color};--fg:${textOn(l.color)}`, title: pressed ? `Remove the ${l.name} tag` : `Tag this image ${l.name}`,
      }, h("i", null), l.name, score, hotkey(l));
    }));
  }
}
