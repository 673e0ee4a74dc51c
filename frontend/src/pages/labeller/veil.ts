/** The cover over the labeller's canvas while an image loads slowly, or when it failed to open. */
import { h, replaceChildren } from "../../lib/dom";

export class Veil {
  readonly el = h("div", { class: "lab-veil", hidden: true });

  /** `app` carries the page state (data-state) the e2e tests wait on; `backHref` leads out on errors. */
  constructor(private readonly app: HTMLElement, private readonly backHref: string) {}

  set(state: "loading" | "error" | null, message = ""): void {
    this.el.hidden = state === null;
    this.app.dataset.state = state ?? "ready";
    if (state === "loading") replaceChildren(this.el, h("span", { class: "spinner" }), h("span", null, "Loading image…"));
    if (state === "error") replaceChildren(this.el, h("div", { class: "veil-error" },
      h("strong", null, "This image could not be opened"), h("span", { class: "muted" }, message),
      h("a", { href: this.backHref }, "Back to the project")));
  }
}
