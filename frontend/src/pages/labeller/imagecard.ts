/** Side panel: the image's status, gold flag (managers and owners) and facts. */
import { type Image, type ImageStatus, STATUSES } from "../../api/images";
import { goldFactor } from "../../lib/boot";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatBytes, humanize } from "../../lib/format";

export interface ImageCardActions {
  setStatus: (status: ImageStatus) => void;
  toggleGold: () => void;
}

export class ImageCard {
  readonly el: HTMLElement;
  private readonly status: HTMLSelectElement;
  private readonly gold: HTMLButtonElement;
  private readonly facts = h("dl", { class: "lab-facts" });

  constructor(private readonly canManage: boolean, actions: ImageCardActions) {
    this.status = h("select", { "aria-label": "Image status", "data-testid": "image-status-select" }, STATUSES.map((s) => option(s, humanize(s))));
    this.status.addEventListener("change", () => {
      actions.setStatus(this.status.value as ImageStatus);
      this.status.blur();
    });
    this.gold = h("button", {
      type: "button", class: "toggle gold-toggle small", "data-testid": "gold-toggle", "aria-pressed": "false",
      title: canManage ? `Gold images are drawn ${goldFactor()} as often in training (G)` : "Only managers and owners can change this",
      disabled: !canManage, onmousedown: (e: Event) => e.preventDefault(), onclick: actions.toggleGold,
    }, "★ Gold");
    this.el = h("section", { class: "lab-section" },
      h("h3", null, "Image"),
      h("div", { class: "lab-image-controls" }, this.status, this.gold),
      this.facts);
  }

  set(image: Image | null): void {
    if (!image) {
      replaceChildren(this.facts);
      return;
    }
    this.status.value = image.status;
    this.gold.classList.toggle("on", image.gold);
    this.gold.setAttribute("aria-pressed", String(image.gold));
    replaceChildren(this.gold, image.gold ? "★ Gold" : "☆ Gold");
    const row = (k: string, v: string): HTMLElement[] => [h("dt", null, k), h("dd", null, v)];
    replaceChildren(this.facts,
      row("Size", `${image.width} × ${image.height}${image.size_bytes ? ` · ${formatBytes(image.size_bytes)}` : ""}`),
      row("Split", humanize(image.split)),
      row("Weight", `${image.sample_weight}${this.canManage ? "" : " (set by managers)"}`),
    );
  }
}
