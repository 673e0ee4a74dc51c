/**
 * Curation: likely label errors. After an embeddings run with a model version, every
 * labelled image has a score for how strongly the model disagrees with its labels; this card
 * shows the worst ones and opens the review queue in the labeller (?order=mistakenness:
 * next/previous walk the queue, the side panel shows the model's opinion next to the label).
 */
import { errorMessage } from "../../api/http";
import { type Image, images } from "../../api/images";
import { h, replaceChildren } from "../../lib/dom";
import { baseName, formatCount } from "../../lib/format";
import { imageListUrl } from "../../lib/query";
import { labellerUrl, projectUrl } from "../../lib/urls";
import type { ProjectContext } from "./context";

const SHOWN = 12;
const QUEUE = "?order=mistakenness";

export function mountMistakes(ctx: ProjectContext): { el: HTMLElement; refresh: () => void } {
  const list = h("ol", { class: "mistake-list", "data-testid": "mistake-list" });
  const summary = h("p", { class: "muted small", "data-testid": "mistake-summary" });
  const review = h("a", { class: "button primary", "data-testid": "mistake-review", hidden: true }, "Review in the labeller ›");
  const grid = h("a", { class: "button secondary", href: `${projectUrl(ctx.projectId)}${QUEUE}#images` }, "Show in the grid");

  const tile = (image: Image): HTMLElement => {
    const m = image.mistakenness ?? 0;
    return h("li", null, h("a", { href: labellerUrl(ctx.projectId, image.id, QUEUE), "data-testid": "mistake-tile", "data-image-id": String(image.id), title: `${image.filename}: the model disagrees with the label (${Math.round(m * 100)}%)` },
      image.thumbnail ? h("img", { src: image.thumbnail, alt: image.filename, loading: "lazy", decoding: "async" }) : h("span", { class: "ph" }, "▧"),
      h("span", { class: `score${m >= 0.5 ? " high" : ""}` }, `${Math.round(m * 100)}%`),
      h("span", { class: "name" }, baseName(image.filename))));
  };

  async function refresh(): Promise<void> {
    try {
      const page = await images.page(imageListUrl(ctx.projectId, { order: "mistakenness" }, SHOWN));
      const scored = page.results.filter((i) => i.mistakenness !== null && i.mistakenness !== undefined);
      const likely = scored.filter((i) => (i.mistakenness ?? 0) >= 0.5).length;
      summary.textContent = scored.length
        ? `The labelled images the model disagrees with most, worst first${likely ? ` (${formatCount(likely)} of these over 50%)` : ""}.`
        : "No scores yet: compute embeddings with a trained model version. Its predictions are compared with what people labelled.";
      replaceChildren(list, scored.map(tile));
      review.hidden = !scored.length;
      if (scored[0]) review.setAttribute("href", labellerUrl(ctx.projectId, scored[0].id, QUEUE));
    } catch (err) {
      summary.textContent = `Could not load the scores: ${errorMessage(err)}`;
    }
  }

  const el = h("section", { class: "card curation-mistakes", "aria-label": "Likely label errors" },
    h("div", { class: "side-head" }, h("h3", null, "Likely label errors"), h("span", { class: "spacer" }), grid, review),
    summary, list);
  void refresh();
  return { el, refresh: () => void refresh() };
}
