/**
 * Human review in the labeller. The issues a reviewer pinned to the image are numbered pins
 * over the canvas (they follow pan and zoom) and rows in a side-panel section, where anyone
 * may mark one fixed. On an image waiting for review a reviewer gets Accept and Reject:
 * Reject arms "pin an issue" (I): a click on the image drops a pin and asks what is wrong
 * there; "Send back" sends the drafted issues with the rejection. Both go on to the next
 * image of the queue. Other people's decisions and fixes arrive over the websocket.
 */
import { errorMessage } from "../../api/http";
import type { Image } from "../../api/images";
import { type Decision, type Issue, type IssueIn, review } from "../../api/review";
import type { Viewport } from "../../labeller/core/viewport";
import { h, replaceChildren } from "../../lib/dom";

export interface IssuesDeps {
  viewport: Viewport;
  /** The element the canvas fills: pins are laid over it. */
  stage: HTMLElement;
  canReview: boolean;
  image: () => Image | null;
  /** The decision is stored: show the image as it is now, then go on. */
  decided: (fresh: Image) => Promise<void>;
  notice: (message: string, kind?: "info" | "error", ms?: number) => void;
}

interface Draft extends IssueIn {
  input: HTMLInputElement;
}

const STAGE_TEXT: Record<Image["stage"], string> = {
  annotation: "Being labelled",
  review: "Waiting for review",
  done: "Accepted",
};

export class IssuesPanel {
  readonly el: HTMLElement;
  private readonly layer = h("div", { class: "issue-layer", "data-testid": "issue-layer" });
  private readonly stageBadge = h("span", { class: "stage-badge", "data-testid": "image-stage" });
  private readonly actions = h("div", { class: "decision-actions" });
  private readonly drafting = h("ol", { class: "issue-drafts", "data-testid": "issue-drafts" });
  private readonly list = h("ol", { class: "review-issues", "data-testid": "issue-list" });
  private issues: Issue[] = [];
  private drafts: Draft[] = [];
  private placing = false;
  private imageId = 0;
  private busy = false;

  constructor(private readonly d: IssuesDeps) {
    this.el = h("section", { class: "lab-section issues-section", "data-testid": "issues-panel", hidden: true },
      h("h3", null, "Review ", this.stageBadge),
      this.actions, this.drafting, this.list);
    d.stage.appendChild(this.layer);
    this.layer.addEventListener("pointerdown", (e) => this.place(e));
    d.viewport.on(() => this.placePins());
  }

  /** A new image is open: its issues load, drafts are dropped. */
  show(imageId: number): void {
    this.imageId = imageId;
    this.issues = [];
    this.drafts = [];
    this.setPlacing(false);
    this.paint();
    review.issues(imageId).then((page) => {
      if (this.imageId !== imageId) return;
      this.issues = page.results;
      this.paint();
    }, (err) => this.d.notice(`Could not load the review issues: ${errorMessage(err)}`, "error"));
  }

  /** The image's status changed (here or by someone else): the actions follow its stage. */
  imageChanged(): void {
    if (this.d.image()?.stage !== "review") this.setPlacing(false);
    this.paint();
  }

  /** `issues.changed` from the socket. */
  remote(payload: { image: number; issues: Issue[] }): void {
    if (payload.image !== this.imageId) return;
    this.issues = payload.issues;
    this.paint();
  }

  /** The I key: pin an issue (a reviewer, on an image waiting for review). */
  key(key: string, shift: boolean): boolean {
    if (shift || key.toLowerCase() !== "i" || !this.canDecide()) return false;
    this.setPlacing(!this.placing);
    return true;
  }

  private canDecide(): boolean {
    return this.d.canReview && this.d.image()?.stage === "review";
  }

  private setPlacing(on: boolean): void {
    this.placing = on;
    this.layer.classList.toggle("placing", on);
    this.paintActions();
  }

  private place(e: PointerEvent): void {
    if (!this.placing || e.button !== 0) return;
    e.preventDefault();
    const r = this.layer.getBoundingClientRect();
    const p = this.d.viewport.toImage(e.clientX - r.left, e.clientY - r.top);
    const image = this.d.image();
    if (!image || p.x < 0 || p.y < 0 || p.x > image.width || p.y > image.height) {
      this.d.notice("Pin the issue on the image itself.", "info", 2500);
      return;
    }
    const input = h("input", { type: "text", maxlength: "1000", placeholder: "What is wrong here?", "aria-label": `Issue ${this.issues.length + this.drafts.length + 1}`, "data-testid": "issue-comment" });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        input.blur();
      } else if (ev.key === "Escape") input.blur();
    });
    this.drafts.push({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10, comment: "", input });
    this.setPlacing(false);
    this.paint();
    input.focus();
  }

  private async decide(decision: Decision): Promise<void> {
    const image = this.d.image();
    if (!image || this.busy) return;
    const issues = this.drafts.map((dr) => ({ x: dr.x, y: dr.y, comment: dr.input.value.trim() }));
    if (decision === "reject" && issues.length === 0) {
      this.setPlacing(true);
      this.d.notice("Click on the image where something needs fixing, then say what.", "info", 4000);
      return;
    }
    const blank = issues.findIndex((i) => i.comment === "");
    if (blank >= 0) {
      this.drafts[blank]!.input.focus();
      this.d.notice("Say what is wrong at each pin.", "info", 3000);
      return;
    }
    this.busy = true;
    try {
      const res = await review.decide(image.id, decision, issues);
      this.drafts = [];
      this.issues = res.issues;
      this.d.notice(decision === "accept" ? "Accepted." : `Sent back with ${issues.length} issue${issues.length === 1 ? "" : "s"}.`, "info", 2500);
      await this.d.decided(res.image);
    } catch (err) {
      this.d.notice(`Not saved: ${errorMessage(err)}`, "error");
    } finally {
      this.busy = false;
      this.paint();
    }
  }

  private async resolve(issue: Issue): Promise<void> {
    try {
      const fresh = await review.resolve(issue.id, !issue.resolved);
      this.issues = this.issues.map((i) => (i.id === fresh.id ? fresh : i));
      this.paint();
    } catch (err) {
      this.d.notice(`Not saved: ${errorMessage(err)}`, "error");
    }
  }

  private paint(): void {
    const image = this.d.image();
    const open = this.issues.filter((i) => !i.resolved).length;
    this.el.hidden = !image || (this.issues.length === 0 && !this.canDecide());
    if (image) {
      this.stageBadge.dataset.stage = image.stage;
      this.stageBadge.textContent = STAGE_TEXT[image.stage] + (open ? ` · ${open} open issue${open === 1 ? "" : "s"}` : "");
    }
    this.paintActions();
    replaceChildren(this.drafting, this.drafts.map((dr, n) =>
      h("li", { class: "issue-draft" },
        h("b", { class: "issue-num draft" }, String(this.issues.length + n + 1)), dr.input,
        h("button", { type: "button", class: "icon small", title: "Remove this pin", "aria-label": "Remove this pin", onclick: () => {
          this.drafts.splice(n, 1);
          this.paint();
        } }, "×"))));
    const numbered = this.issues.map((issue, n) => ({ issue, n: n + 1 }));
    replaceChildren(this.list, numbered.map(({ issue, n }) =>
      h("li", { class: `issue-row${issue.resolved ? " resolved" : ""}`, "data-testid": "issue-row" },
        h("b", { class: "issue-num" }, String(n)),
        h("span", { class: "issue-text" }, issue.comment,
          h("small", { class: "muted" }, ` — ${issue.created_by ?? "someone"}${issue.resolved ? `, fixed by ${issue.resolved_by ?? "someone"}` : ""}`)),
        h("button", { type: "button", class: "small", "data-testid": "issue-resolve", onclick: () => void this.resolve(issue) },
          issue.resolved ? "Reopen" : "✓ Fixed"))));
    this.placePins();
  }

  private paintActions(): void {
    if (!this.canDecide()) return replaceChildren(this.actions);
    const n = this.drafts.length;
    replaceChildren(this.actions,
      h("button", { type: "button", class: "primary small", "data-testid": "review-accept", disabled: n > 0, title: n > 0 ? "Remove the pins to accept" : "Accept: the labels are right", onclick: () => void this.decide("accept") }, "✓ Accept"),
      h("button", { type: "button", class: `small${this.placing ? " active" : ""}`, "data-testid": "pin-issue", title: "Click on the image where something needs fixing (I)", onclick: () => this.setPlacing(!this.placing) }, this.placing ? "Click the image…" : "+ Pin", h("kbd", null, "I")),
      h("button", { type: "button", class: "danger small", "data-testid": "review-reject", onclick: () => void this.decide("reject") }, n > 0 ? `Send back (${n})` : "Reject…"));
  }

  /** Pins at their image points on screen; open issues and drafts only. */
  private placePins(): void {
    const pins: HTMLElement[] = [];
    const pin = (x: number, y: number, label: string, cls: string, title: string): void => {
      const p = this.d.viewport.toScreen(x, y);
      pins.push(h("span", { class: `issue-pin ${cls}`, style: `left:${p.x}px;top:${p.y}px`, title, "data-testid": "issue-pin" }, label));
    };
    this.issues.forEach((issue, n) => {
      if (!issue.resolved) pin(issue.x, issue.y, String(n + 1), "open", issue.comment);
    });
    this.drafts.forEach((dr, n) => pin(dr.x, dr.y, String(this.issues.length + n + 1), "draft", dr.input.value || "New issue"));
    replaceChildren(this.layer, pins);
  }
}
