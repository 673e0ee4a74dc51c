/**
 * The bell in the top bar: the signed-in user's notifications (a batch assigned, an image
 * sent back, a batch due) with an unread count; opening it lists the newest, each linking
 * to what it is about, and marks them read. It refreshes every half minute, when the tab
 * comes back, and at once when a page's socket says one arrived (`inboxRefresh`).
 */
import { errorMessage } from "../api/http";
import { type Notification, notifications } from "../api/notifications";
import { h, replaceChildren, svg } from "../lib/dom";
import { relativeTime } from "../lib/format";

const POLL_MS = 30_000;
let refresh: (() => void) | null = null;

function bellIcon(): SVGSVGElement {
  const icon = svg("svg", { viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true" });
  icon.appendChild(svg("path", { d: "M8 1.5a4 4 0 0 0-4 4v3L2.5 11v1h11v-1L12 8.5v-3a4 4 0 0 0-4-4zM6.5 13a1.5 1.5 0 0 0 3 0z", fill: "currentColor" }));
  return icon;
}

export function inboxRefresh(): void {
  refresh?.();
}

export function mountInbox(host: HTMLElement): void {
  const count = h("b", { class: "inbox-count", "data-testid": "inbox-count", hidden: true });
  const bell = h("button", { type: "button", class: "icon inbox-bell", "aria-label": "Notifications", "aria-expanded": "false", "data-testid": "inbox-open", title: "Notifications" }, bellIcon(), count);
  const list = h("ol", { class: "inbox-list", "data-testid": "inbox-list" });
  const menu = h("div", { class: "inbox-menu", hidden: true, role: "dialog", "aria-label": "Notifications" },
    h("div", { class: "inbox-head" }, h("b", null, "Notifications")), list);
  replaceChildren(host, bell, menu);
  let shown: Notification[] = [];

  const paint = (unread: number): void => {
    count.hidden = unread === 0;
    count.textContent = unread > 99 ? "99+" : String(unread);
    bell.title = unread ? `${unread} unread notification${unread === 1 ? "" : "s"}` : "Notifications";
    replaceChildren(list, shown.length === 0
      ? h("li", { class: "muted inbox-empty" }, "Nothing yet. Assignments, images sent back and due dates show here.")
      : shown.map((n) => h("li", { class: `inbox-item${n.read ? "" : " unread"}`, "data-testid": "inbox-item", "data-kind": n.kind },
        n.url ? h("a", { href: n.url }, n.text) : h("span", null, n.text),
        h("small", { class: "muted" }, relativeTime(n.created_at)))));
  };
  const load = (): Promise<void> => notifications.list().then((page) => {
    shown = page.results;
    paint(page.unread);
  }, (err) => {
    bell.title = `Notifications could not load: ${errorMessage(err)}`;
  });
  const close = (): void => {
    menu.hidden = true;
    bell.setAttribute("aria-expanded", "false");
  };
  bell.addEventListener("click", () => {
    if (!menu.hidden) return close();
    menu.hidden = false;
    bell.setAttribute("aria-expanded", "true");
    const unread = shown.filter((n) => !n.read).map((n) => n.id);
    if (unread.length) void notifications.read(unread).then(() => paint(0), () => undefined);
  });
  document.addEventListener("click", (e) => {
    if (!menu.hidden && !host.contains(e.target as Node)) close();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !menu.hidden) close();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void load();
  });
  window.setInterval(() => {
    if (document.visibilityState === "visible") void load();
  }, POLL_MS);
  refresh = () => void load();
  void load();
}
