/**
 * The review queue for likely label errors (`?order=mistakenness`, from the grid's "Likely
 * label errors first"): next/previous walk the images the model disagrees with most, and
 * this side-panel section shows the model's opinion next to the label: its top classes (the
 * given one marked), or for a detector each suspect box drawn dashed over the image. "Relabel"
 * swaps the tag through the editor (undoable, Ctrl+Z); the opinion is scored again against the
 * labels as they are once the change is saved.
 */
import { curation, type Opinion, type Suspect } from "../../api/curation";
import { errorMessage } from "../../api/http";
import type { LabelSet } from "../../labeller/core/labels";
import type { Interaction } from "../../labeller/core/selection";
import { h, replaceChildren } from "../../lib/dom";

const RESCORE_MS = 1200; // after a relabel: the outbox has saved it by then

export interface OpinionDeps {
  labels: LabelSet;
  interaction: Interaction;
  /** Whether the image has a tag of this label (people's or accepted). */
  hasTag: (labelId: number) => boolean;
  toggleTag: (labelId: number) => void;
  /** Calls back when the labels or the image's annotations change (the panel paints again). */
  onChange: (fn: () => void) => void;
}

const KIND_TEXT: Record<Suspect["kind"], string> = {
  wrong_label: "Another class",
  missing: "Box missing?",
  spurious: "Box not there?",
};

const pct = (v: number): string => `${Math.round(v * 100)}%`;

export class OpinionPanel {
  readonly el: HTMLElement;
  private readonly body = h("div", { class: "opinion-body", "data-testid": "opinion-body" });
  private readonly score = h("b", { class: "opinion-score", "data-testid": "opinion-score" });
  private current = 0;
  private shown: Opinion | null = null;
  private repaintQueued = false;

  constructor(private readonly d: OpinionDeps) {
    this.el = h("section", { class: "lab-section opinion-section", "data-testid": "opinion-panel" },
      h("h3", null, "Model's opinion ", this.score, h("span", { class: "muted small" }, "‹ › next likely error")),
      this.body);
    // The opinion can arrive before the project's labels or the image's tags have loaded:
    // the marks and the "Relabel" button depend on both, so paint again once they change.
    d.onChange(() => {
      if (this.repaintQueued || !this.shown) return;
      this.repaintQueued = true;
      requestAnimationFrame(() => {
        this.repaintQueued = false;
        if (this.shown?.image === this.current) this.paint(this.shown);
      });
    });
  }

  show(imageId: number): void {
    this.current = imageId;
    this.shown = null;
    this.d.interaction.setGhosts([]);
    replaceChildren(this.body, h("p", { class: "muted small" }, "Asking the model…"));
    curation.opinion(imageId).then((o) => {
      if (this.current === imageId) this.paint(o);
    }, (err) => {
      if (this.current !== imageId) return;
      this.score.textContent = "";
      replaceChildren(this.body, h("p", { class: "muted small" }, `Could not load the model's opinion: ${errorMessage(err)}`));
    });
  }

  private labelId(name: string | null): number | null {
    return this.d.labels.list.find((l) => l.name === name)?.id ?? null;
  }

  private paint(o: Opinion): void {
    this.shown = o;
    const v = o.model_version;
    if (!v) {
      this.score.textContent = "";
      replaceChildren(this.body, h("p", { class: "muted small" }, "No model has looked at this image yet: compute embeddings with a model version on the Curation tab."));
      return;
    }
    this.score.textContent = o.score === null ? "" : pct(o.score);
    this.score.className = `opinion-score${o.score !== null && o.score >= 0.5 ? " high" : ""}`;
    const who = h("p", { class: "muted small" }, `v${v.version} · ${v.architecture}`,
      o.labelled ? "" : " · nobody has labelled this image, so there is nothing to judge");
    const rows = v.task === "classify" ? this.classes(o) : this.boxes(o);
    replaceChildren(this.body, who, ...rows);
  }

  private classes(o: Opinion): HTMLElement[] {
    const given = new Set(o.suspects.map((s) => s.given));
    const top = o.predictions.slice(0, 3).map((p) => {
      const c = "confidence" in p ? p.confidence : p.score;
      const id = this.labelId(p.label);
      const mine = id !== null && this.d.hasTag(id);
      return h("li", { class: mine ? "given" : "", "data-testid": "opinion-class", "data-label": p.label },
        h("span", { class: "name" }, p.label, mine ? h("span", { class: "muted small" }, " (the label)") : null),
        h("span", { class: "bar" }, h("i", { style: `width:${Math.max(2, Math.round(c * 100))}%` })),
        h("span", { class: "value" }, pct(c)));
    });
    const out: HTMLElement[] = [h("ol", { class: "opinion-classes" }, ...top)];
    for (const s of o.suspects) {
      const to = this.labelId(s.label), from = this.labelId(s.given);
      if (s.kind !== "wrong_label" || to === null || !given.has(s.given)) continue;
      out.push(h("div", { class: "opinion-fix" },
        h("span", null, `The model says “${s.label}” (${pct(s.score)}); labelled “${s.given}”.`),
        h("button", { type: "button", class: "secondary small", "data-testid": "opinion-relabel", onclick: () => this.relabel(from, to, o.image) },
          `Relabel as “${s.label}”`)));
    }
    return out;
  }

  private boxes(o: Opinion): HTMLElement[] {
    const boxes = o.suspects.flatMap((s) => (s.box ? [s.box] : []));
    this.d.interaction.setGhosts(boxes);
    if (!o.suspects.length) return [h("p", { class: "small" }, "The model agrees with every box.")];
    return [h("ul", { class: "opinion-suspects" }, ...o.suspects.map((s) =>
      h("li", { "data-testid": "opinion-suspect", "data-kind": s.kind },
        h("b", null, KIND_TEXT[s.kind]), " ",
        s.kind === "wrong_label" ? `model: “${s.label}”, drawn as “${s.given}”`
          : s.kind === "missing" ? `the model sees a “${s.label}” nobody drew`
            : `nothing the model sees where “${s.given}” is drawn`,
        h("span", { class: "value" }, pct(s.score))))),
      h("p", { class: "muted small" }, "Dashed boxes: where the model disagrees.")];
  }

  private relabel(from: number | null, to: number, imageId: number): void {
    if (from !== null && this.d.hasTag(from)) this.d.toggleTag(from);
    if (!this.d.hasTag(to)) this.d.toggleTag(to);
    window.setTimeout(() => {
      if (this.current === imageId) this.show(imageId);
    }, RESCORE_MS);
  }
}
