/** Transient notices in the corner; errors stay a little longer. */
import { h } from "../lib/dom";

let host: HTMLElement | null = null;

export interface ToastAction {
  text: string;
  href: string;
}

/** `action`: a link inside the toast (e.g. "Review"); such toasts stay a little longer. */
export function toast(message: string, kind: "info" | "error" | "ok" = "info", action?: ToastAction): void {
  if (!host) {
    host = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.appendChild(host);
  }
  const el = h("div", { class: `toast toast-${kind}`, "data-testid": action ? "toast-action" : null }, message,
    action ? [" ", h("a", { href: action.href, class: "toast-link" }, action.text)] : null);
  host.appendChild(el);
  const ttl = kind === "error" || action ? 8000 : 3500;
  window.setTimeout(() => {
    el.classList.add("leaving");
    window.setTimeout(() => el.remove(), 250);
  }, ttl);
}

/** An inline message area (role=alert) that a form owns. */
export function messageArea(): { el: HTMLElement; show: (msg: string, kind?: "error" | "ok") => void; clear: () => void } {
  const el = h("p", { class: "msg", role: "alert", hidden: true });
  return {
    el,
    show(msg, kind = "error") {
      el.textContent = msg;
      el.className = `msg msg-${kind}`;
      el.hidden = false;
    },
    clear() {
      el.textContent = "";
      el.hidden = true;
    },
  };
}
