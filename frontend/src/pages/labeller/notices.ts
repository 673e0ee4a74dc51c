/** Conflict and error notices over the canvas ([data-testid=notice]); they fade on their own. */
import { h } from "../../lib/dom";

export type NoticeKind = "conflict" | "deleted" | "error" | "info";

export class Notices {
  readonly el = h("div", { class: "notices", role: "status", "aria-live": "polite" });

  show(message: string, kind: NoticeKind = "info", ttl = kind === "error" ? 9000 : 6000): HTMLElement {
    // The same message twice in a row just restarts its timer.
    const last = this.el.lastElementChild as HTMLElement | null;
    if (last && last.dataset.message === message) last.remove();
    const close = h("button", { type: "button", class: "icon", "aria-label": "Dismiss" }, "✕");
    const el = h("div", { class: `notice notice-${kind}`, "data-testid": "notice", "data-kind": kind, "data-message": message },
      h("span", { class: "notice-icon", "aria-hidden": "true" }, kind === "error" ? "!" : kind === "info" ? "i" : "⟲"),
      h("span", { class: "notice-text" }, message), close);
    const dismiss = (): void => {
      el.classList.add("leaving");
      window.setTimeout(() => el.remove(), 200);
    };
    close.addEventListener("click", dismiss);
    this.el.appendChild(el);
    while (this.el.children.length > 4) this.el.firstElementChild?.remove();
    window.setTimeout(dismiss, ttl);
    return el;
  }
}
