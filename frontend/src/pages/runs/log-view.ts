/** The live log tail: monospace, follows new lines unless the reader scrolled up. */
import { h } from "../../lib/dom";
import { applyChunk, applyLines, emptyLog, logText, type LogState } from "./log-tail";

export class LogView {
  readonly el: HTMLElement;
  private readonly pre: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly jump: HTMLButtonElement;
  private readonly follow: HTMLElement;
  private state: LogState = emptyLog();
  private stick = true;
  private frame = 0;
  private shown: string | null = null;

  constructor() {
    this.pre = h("pre", { class: "log-text", "data-testid": "run-log", "aria-live": "off" });
    this.scroller = h("div", { class: "log-scroll", tabindex: "0", "aria-label": "Run log" }, this.pre);
    this.jump = h("button", { type: "button", class: "small log-jump", hidden: true, onclick: () => this.toBottom() }, "↓ New lines — jump to latest");
    this.follow = h("span", { class: "log-follow muted small" }, "following");
    this.el = h("section", { class: "log-card card" },
      h("div", { class: "side-head" }, h("h3", null, "Log"), h("span", { class: "spacer" }), this.follow),
      h("div", { class: "log-wrap" }, this.scroller, this.jump));
    this.scroller.addEventListener("scroll", () => {
      const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 24;
      this.stick = atBottom;
      this.follow.textContent = atBottom ? "following" : "paused — scrolled up";
      if (atBottom) this.jump.hidden = true;
    });
    this.render();
  }

  get offset(): number {
    return this.state.offset;
  }

  chunk(text: string, nextOffset: number): void {
    if (!text && nextOffset === this.state.offset) return;
    this.state = applyChunk(this.state, text, nextOffset);
    this.schedule();
  }

  lines(lines: string[]): void {
    this.state = applyLines(this.state, lines);
    this.schedule();
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    this.frame = 0;
    const text = logText(this.state);
    if (this.shown !== text) {
      this.shown = text;
      this.pre.textContent = text || "No output yet.";
      this.pre.classList.toggle("is-empty", !text);
      if (this.stick) this.scroller.scrollTop = this.scroller.scrollHeight;
      else if (text) this.jump.hidden = false;
    }
  }

  private toBottom(): void {
    this.stick = true;
    this.jump.hidden = true;
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}
