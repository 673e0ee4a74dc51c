/** The labeller's own bar: navigation, file name, image status, save status, people here, help. */
import type { Image, Neighbors } from "../../api/images";
import { avatarColor, initials, type PresenceUser } from "../../labeller/realtime/presence";
import type { SaveStatus } from "../../labeller/sync/outbox";
import { goldFactor } from "../../lib/boot";
import { h, replaceChildren } from "../../lib/dom";
import { baseName, humanize } from "../../lib/format";

export interface HeaderActions {
  prev: () => void;
  next: () => void;
  done: () => void;
  help: () => void;
}

const noFocus = (e: Event): void => e.preventDefault();

export class Header {
  readonly el: HTMLElement;
  private readonly name = h("h1", { class: "lab-file", "data-testid": "image-name" }, "Loading…");
  private readonly position = h("span", { class: "lab-pos muted" });
  private readonly status = h("span", { class: "lab-status", "data-testid": "image-status", "data-status": "" });
  private readonly gold = h("span", { class: "lab-gold", title: `Gold: drawn ${goldFactor()} as often in training`, hidden: true }, "★ Gold");
  private readonly save = h("span", { class: "save-status", "data-testid": "save-status", "data-state": "saved", role: "status", "aria-live": "polite" });
  private readonly avatars = h("div", { class: "avatars", "aria-label": "People on this image" });
  private readonly prevBtn: HTMLButtonElement;
  private readonly nextBtn: HTMLButtonElement;
  private readonly doneBtn: HTMLButtonElement;

  constructor(actions: HeaderActions) {
    this.prevBtn = h("button", { type: "button", class: "icon nav", title: "Previous image (A, ←)", "aria-label": "Previous image", "data-testid": "prev-image", onmousedown: noFocus, onclick: actions.prev }, "‹");
    this.nextBtn = h("button", { type: "button", class: "icon nav", title: "Next image (D, →)", "aria-label": "Next image", "data-testid": "next-image", onmousedown: noFocus, onclick: actions.next }, "›");
    this.doneBtn = h("button", { type: "button", class: "primary small", title: "Mark done and go to the next image (M, Ctrl+Enter)", "data-testid": "mark-done", onmousedown: noFocus, onclick: actions.done }, "✓ Mark done", h("kbd", null, "M"));
    const help = h("button", { type: "button", class: "icon", title: "Keyboard shortcuts (?)", "aria-label": "Keyboard shortcuts", "data-testid": "help", onmousedown: noFocus, onclick: actions.help }, "?");
    this.setSave({ state: "saved", pending: 0 });
    this.el = h("header", { class: "lab-head" },
      h("div", { class: "lab-nav" }, this.prevBtn, this.nextBtn),
      h("div", { class: "lab-title" }, this.name, this.position),
      this.status,
      this.gold,
      h("span", { class: "spacer" }),
      this.avatars,
      this.save,
      this.doneBtn,
      help,
    );
  }

  setImage(image: Image | null, loading = false): void {
    if (!image) {
      this.name.textContent = loading ? "Loading…" : "—";
      this.name.title = "";
      this.position.textContent = "";
      this.status.hidden = true;
      this.gold.hidden = true;
      return;
    }
    this.name.textContent = baseName(image.filename);
    this.name.title = `${image.filename} · ${image.width}×${image.height}`;
    this.position.textContent = `#${image.id} · ${image.width}×${image.height}`;
    this.status.hidden = false;
    this.status.dataset.status = image.status;
    replaceChildren(this.status, h("i", { class: `dot status-${image.status}`, "aria-hidden": "true" }), humanize(image.status));
    this.gold.hidden = !image.gold;
    this.doneBtn.classList.toggle("is-done", image.status === "done" || image.status === "reviewed");
  }

  setNeighbors(n: Neighbors | null): void {
    this.prevBtn.disabled = !n || n.previous === null;
    this.nextBtn.disabled = !n || n.next === null;
  }

  setSave(s: SaveStatus): void {
    this.save.dataset.state = s.state;
    const text = s.state === "saved" ? "Saved"
      : s.state === "saving" ? "Saving…"
      : s.state === "offline" ? `Offline (${s.pending} pending)`
      : s.pending > 0 ? `Error (${s.pending} pending)` : "Error";
    const title = s.state === "saved" ? "Every change is saved"
      : s.state === "saving" ? `Saving ${s.pending} change${s.pending === 1 ? "" : "s"}`
      : s.state === "offline" ? "Changes are kept in this browser and sent when the connection is back"
      : s.pending > 0 ? "The server failed; retrying. Changes are kept in this browser." : "The last change was refused by the server";
    this.save.title = title;
    replaceChildren(this.save, h("i", { "aria-hidden": "true" }), text);
  }

  /** People on this same image (avatars); the full list lives in the side panel. */
  setPresence(here: PresenceUser[], me: string): void {
    replaceChildren(this.avatars, here.slice(0, 6).map((u) =>
      h("span", {
        class: `avatar-dot${u.user === me ? " me" : ""}`,
        style: `--c:${avatarColor(u.user)}`,
        title: u.user === me ? `${u.user} (you)` : `${u.user} is on this image`,
      }, initials(u.user))),
      here.length > 6 ? h("span", { class: "avatar-more" }, `+${here.length - 6}`) : null);
  }
}
