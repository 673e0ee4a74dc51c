/**
 * Review mode for model predictions. A side-panel section lists the image's pending
 * predictions; the cursor (the selection) walks them with Tab; A accepts, R rejects (hidden
 * at once), editing one fixes it (the server makes it human + accepted), "Accept all ≥"
 * accepts what scores above the slider, and N goes to the next image that still has pending
 * predictions, most uncertain first. Accept/reject go straight to the review endpoint (not
 * the outbox): they are judgements, not edits, and are not on the undo stack.
 */
import { type AnnotationRecord, review as reviewApi } from "../../api/annotations";
import { ApiError, errorMessage } from "../../api/http";
import type { LabelSet } from "../../labeller/core/labels";
import { cycle, isPending, nextAfter, pendingOrder, type ReviewAction } from "../../labeller/core/review";
import type { Interaction } from "../../labeller/core/selection";
import { fromRecord, REMOTE, type Ann, type AnnotationStore } from "../../labeller/core/store";
import type { Outbox } from "../../labeller/sync/outbox";
import { h, replaceChildren } from "../../lib/dom";

const MODE_KEY = "labelforge.review";

export interface ReviewDeps {
  store: AnnotationStore;
  interaction: Interaction;
  labels: LabelSet;
  outbox: Outbox;
  imageId: () => number | null;
  notice: (message: string, kind?: "info" | "error", ms?: number) => void;
  /** Frame a box on screen. */
  reveal: (ann: Ann) => void;
  nextImage: () => Promise<void>;
  onMode: (on: boolean) => void;
}

export class ReviewPanel {
  readonly el: HTMLElement;
  readonly button: HTMLButtonElement;
  on: boolean;
  private readonly list = h("ol", { class: "review-list", "data-testid": "review-list" });
  private readonly count = h("span", { class: "count", "data-testid": "pending-count" }, "0");
  private readonly badge = h("b", { class: "review-badge", "data-testid": "review-badge" });
  private readonly slider = h("input", { type: "range", min: "0", max: "1", step: "0.05", value: "0.8", "aria-label": "Accept all at or above this score", "data-testid": "accept-all-score" });
  private readonly acceptAllBtn = h("button", { type: "button", class: "secondary small", "data-testid": "accept-all", title: "Accept every pending prediction scoring at least this (Shift+A)" });
  private queued = false;
  private busy = new Set<string>();

  constructor(private readonly d: ReviewDeps, initial: boolean | null) {
    this.on = initial ?? safeGet() === "1";
    this.button = h("button", { type: "button", class: "review-toggle", "aria-pressed": String(this.on), "data-testid": "review-toggle", title: "Review predictions (Shift+R)", onmousedown: (e: Event) => e.preventDefault(), onclick: () => this.toggle() },
      "Review", this.badge, h("kbd", null, "⇧R"));
    this.slider.addEventListener("input", () => this.paintAcceptAll());
    this.acceptAllBtn.addEventListener("click", () => void this.acceptAll());
    const next = h("button", { type: "button", class: "ghost small", "data-testid": "next-pending", title: "Next image with pending predictions, most uncertain first (N in review mode)", onclick: () => void d.nextImage() }, "Next pending image ›");
    this.el = h("section", { class: "lab-section review-section", "data-testid": "review-panel" },
      h("h3", null, "Predictions ", this.count, h("span", { class: "muted small" }, "A accept · R reject · Tab next")),
      this.list,
      h("div", { class: "accept-all-row" }, this.slider, this.acceptAllBtn),
      next);
    this.list.addEventListener("click", (e) => {
      const t = e.target as HTMLElement;
      const key = t.closest<HTMLElement>("[data-key]")?.dataset.key;
      if (!key) return;
      if (t.closest("[data-accept]")) void this.judge("accept", key);
      else if (t.closest("[data-reject]")) void this.judge("reject", key);
      else this.focus(key);
    });
    d.store.on(() => this.queue());
    d.interaction.on((w) => { if (w === "selection") this.queue(); });
    d.labels.on(() => this.queue());
    this.paint();
    d.onMode(this.on);
  }

  get pending(): Ann[] {
    return pendingOrder(this.d.store.all());
  }

  /** The prediction A/R act on: the selected one when pending, else the first. */
  get current(): Ann | null {
    const sel = this.d.interaction.selected;
    const a = sel ? this.d.store.get(sel) : undefined;
    return a && isPending(a) ? a : (this.pending[0] ?? null);
  }

  toggle(force?: boolean): void {
    this.on = force ?? !this.on;
    safeSet(this.on ? "1" : "0");
    this.d.onMode(this.on);
    if (this.on) this.imageOpened();
    this.paint();
  }

  /** A new image is on screen: in review mode put the cursor on its first prediction. */
  imageOpened(): void {
    if (!this.on) return;
    const first = this.pending[0];
    if (first) this.focus(first.key, false);
  }

  /** Returns true when the key was a review action (and was handled). */
  act(action: ReviewAction): boolean {
    switch (action) {
      case "toggle": this.toggle(); return true;
      case "accept": void this.judge("accept"); return true;
      case "reject": void this.judge("reject"); return true;
      case "next":
      case "previous": {
        const key = cycle(this.pending.map((a) => a.key), this.current?.key ?? null, action === "next" ? 1 : -1);
        if (key) this.focus(key);
        else this.d.notice("No pending predictions on this image. N goes to the next image that has some.", "info", 2500);
        return true;
      }
      case "acceptAll": void this.acceptAll(); return true;
      case "nextImage": void this.d.nextImage(); return true;
    }
  }

  private focus(key: string, reveal = true): void {
    this.d.interaction.select(key);
    const a = this.d.store.get(key);
    if (a && reveal && a.kind === "box") this.d.reveal(a);
  }

  async judge(action: "accept" | "reject", key?: string): Promise<void> {
    const ann = key ? this.d.store.get(key) : this.current;
    if (!ann || !isPending(ann)) {
      this.d.notice(this.pending.length ? "Select a pending prediction first (Tab)." : "Nothing pending here. N goes to the next image with predictions.", "info", 2500);
      return;
    }
    if (ann.id === null || this.busy.has(ann.key)) return;
    if (this.d.outbox.hasPending(ann.clientId)) {
      this.d.notice("Your fix of this prediction is still saving: it counts as accepted.", "info", 2500);
      return;
    }
    const order = this.pending.map((a) => a.key);
    const next = nextAfter(order, ann.key);
    const { store } = this.d;
    this.busy.add(ann.key);
    // Optimistic: rejected ones vanish, accepted ones turn solid; the answer settles it.
    if (action === "reject") store.remove(ann.key, REMOTE);
    else store.update(ann.key, { review: "accepted" }, REMOTE);
    if (next) this.focus(next);
    else {
      this.d.interaction.select(null);
      this.d.notice("Every prediction on this image is reviewed. N: next image with predictions.", "info", 3000);
    }
    try {
      const rec = await reviewApi.annotation(ann.id, action, ann.version);
      if (action === "accept") this.settle(ann, rec);
    } catch (err) {
      const current = err instanceof ApiError ? (err.body as { current?: AnnotationRecord } | null)?.current : undefined;
      if (current && typeof current.id === "number") {
        this.settle(ann, current);
        this.d.notice("Someone else changed this prediction first; showing their version.", "info", 3500);
      } else {
        // Put it back as it was.
        if (store.get(ann.key)) store.update(ann.key, { review: ann.review, version: ann.version }, REMOTE);
        else store.add({ ...ann }, REMOTE, ann.key);
        this.d.notice(`Not saved: ${errorMessage(err)}`, "error");
      }
    } finally {
      this.busy.delete(ann.key);
    }
  }

  private settle(ann: Ann, rec: AnnotationRecord): void {
    const { store } = this.d;
    const here = store.get(ann.key) ?? store.byId(rec.id);
    const f = fromRecord(rec);
    if (rec.review === "rejected") {
      if (here) store.remove(here.key, REMOTE);
      return;
    }
    if (here && here.version <= f.version) store.update(here.key, { label: f.label, box: f.box, source: f.source, score: f.score, review: f.review, version: f.version }, REMOTE);
    else if (!here) store.add({ ...f, clientId: ann.clientId }, REMOTE, ann.key);
  }

  async acceptAll(): Promise<void> {
    const imageId = this.d.imageId();
    const min = Number(this.slider.value);
    const targets = this.pending.filter((a) => (a.score ?? 0) >= min && a.id !== null);
    if (imageId === null || !targets.length) {
      this.d.notice(`No pending prediction scores ${Math.round(min * 100)}% or more.`, "info", 2500);
      return;
    }
    this.acceptAllBtn.disabled = true;
    try {
      const res = await reviewApi.image(imageId, "accept", min);
      if (this.d.imageId() !== imageId) return;
      for (const rec of res.results) {
        const a = this.d.store.byId(rec.id);
        if (a) this.settle(a, rec);
      }
      this.d.notice(`Accepted ${res.results.length} prediction${res.results.length === 1 ? "" : "s"}.`, "info", 2000);
      const rest = this.pending[0];
      if (rest) this.focus(rest.key, false);
    } catch (err) {
      this.d.notice(`Not saved: ${errorMessage(err)}`, "error");
    } finally {
      this.acceptAllBtn.disabled = false;
      this.paint();
    }
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.paint();
    });
  }

  private paintAcceptAll(): void {
    const min = Number(this.slider.value);
    const n = this.pending.filter((a) => (a.score ?? 0) >= min).length;
    this.acceptAllBtn.textContent = `Accept ${n} ≥ ${Math.round(min * 100)}%`;
    this.acceptAllBtn.disabled = n === 0;
  }

  paint(): void {
    const pending = this.pending;
    const cur = this.on ? this.current?.key ?? null : this.d.interaction.selected;
    this.count.textContent = String(pending.length);
    this.badge.textContent = pending.length ? String(pending.length) : "";
    this.badge.hidden = pending.length === 0;
    this.button.setAttribute("aria-pressed", String(this.on));
    this.button.classList.toggle("active", this.on);
    this.el.classList.toggle("is-on", this.on);
    this.el.hidden = !this.on && pending.length === 0;
    this.paintAcceptAll();
    const { labels } = this.d;
    replaceChildren(this.list, pending.length ? pending.map((a) => h("li", {
      class: `review-item${a.key === cur ? " current" : ""}`, "data-key": a.key, "data-testid": "review-item",
      "data-annotation-id": a.id === null ? "" : String(a.id), style: `--c:${labels.color(a.label)}`,
    },
      h("i", { class: "swatch-dot dashed", "aria-hidden": "true" }),
      h("span", { class: "name" }, labels.name(a.label)),
      h("span", { class: "muted small" }, a.kind === "tag" ? "tag" : `${Math.round(a.box!.w)}×${Math.round(a.box!.h)}`),
      h("span", { class: "score" }, a.score !== null ? `${Math.round(a.score * 100)}%` : ""),
      h("button", { type: "button", class: "icon ok", title: "Accept (A)", "aria-label": "Accept", "data-accept": "" }, "✓"),
      h("button", { type: "button", class: "icon del", title: "Reject (R)", "aria-label": "Reject", "data-reject": "" }, "✕")))
      : h("li", { class: "muted small review-empty" }, "Nothing pending on this image."));
    if (cur) this.list.querySelector(".current")?.scrollIntoView({ block: "nearest" });
  }
}

function safeGet(): string | null {
  try {
    return window.localStorage.getItem(MODE_KEY);
  } catch {
    return null;
  }
}

function safeSet(v: string): void {
  try {
    window.localStorage.setItem(MODE_KEY, v);
  } catch {
    /* private mode: the toggle just does not stick */
  }
}
