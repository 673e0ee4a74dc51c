/** The thin bar under the canvas: tool hint, pointer position, zoom, counts, connection. */
import { h } from "../../lib/dom";
import type { SocketState } from "../../realtime/socket";

const LIVE: Record<SocketState, string> = { connecting: "Connecting…", live: "Live", offline: "Reconnecting…", refused: "No live updates" };

export class StatusBar {
  readonly el: HTMLElement;
  private readonly hint = h("span", { class: "hint", "data-testid": "status-hint" });
  private readonly pos = h("span", { class: "pos mono" });
  private readonly zoom = h("span", { class: "zoom mono", title: "Zoom (wheel, +/−, F fits)" });
  private readonly counts = h("span", { class: "counts" });
  private readonly live = h("span", { class: "live", "data-state": "connecting" }, h("i", { "aria-hidden": "true" }), h("span", null, "Connecting…"));

  constructor() {
    this.el = h("footer", { class: "lab-statusbar" }, this.hint, h("span", { class: "spacer" }), this.pos, this.zoom, this.counts, this.live);
  }

  setHint(text: string): void {
    this.hint.textContent = text;
  }

  setPointer(p: { x: number; y: number } | null, inside: boolean): void {
    this.pos.textContent = p && inside ? `${Math.round(p.x)}, ${Math.round(p.y)}` : "";
  }

  setZoom(scale: number): void {
    this.zoom.textContent = `${Math.round(scale * 100)}%`;
  }

  setCounts(boxes: number, tags: number, shapes = 0): void {
    const parts = [`${boxes} box${boxes === 1 ? "" : "es"}`];
    if (shapes) parts.push(`${shapes} polygon${shapes === 1 ? "" : "s"} or mask${shapes === 1 ? "" : "s"}`);
    parts.push(`${tags} tag${tags === 1 ? "" : "s"}`);
    this.counts.textContent = parts.join(" · ");
  }

  setLive(state: SocketState): void {
    this.live.dataset.state = state;
    this.live.title = LIVE[state];
    const span = this.live.querySelector("span");
    if (span) span.textContent = LIVE[state];
  }
}
