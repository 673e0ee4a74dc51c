/**
 * Near-duplicate groups: a distance slider with a live count, each group as thumbnails with
 * their splits (a group across splits is a leak: held-out scores count images trained on),
 * and, for managers, "keep the first, set the rest aside", "gold the first" and "move the
 * group to one split"; one button does the first for every group.
 */
import { type Change, curation, type DuplicateReport, spaceVersion, thresholdText } from "../../api/curation";
import { errorMessage } from "../../api/http";
import { SPLITS, type Split } from "../../api/images";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatCount, humanize, plural } from "../../lib/format";
import { toast } from "../../ui/toast";
import type { ProjectContext } from "./context";
import { changeLine } from "./curation-change";

const SHOWN = 60; // groups drawn; the count covers all
const TILES = 24; // thumbnails drawn per group (a static video scene can make one of thousands)
const DEBOUNCE_MS = 200;
const RANGE = { hamming: { max: 0.3, step: 1 / 64, start: 0.1 }, cosine: { max: 0.3, step: 0.005, start: 0.05 } };

export interface GroupsCard {
  el: HTMLElement;
  setSpace: (version: number | null) => void;
  refresh: () => void;
}

export function mountGroups(ctx: ProjectContext, space: () => string): GroupsCard {
  const slider = h("input", { type: "range", min: "0", max: "0.3", step: String(1 / 64), value: "0.1", "aria-label": "Largest distance within a group", "data-testid": "dup-threshold" });
  const sliderText = h("output", { class: "mono small" });
  const count = h("p", { class: "dup-count", "data-testid": "dup-count", "aria-live": "polite" });
  const list = h("div", { class: "dup-groups", "data-testid": "dup-groups" });
  const keepAll = h("button", { type: "button", class: "ghost small", "data-testid": "dup-keep-all", hidden: true }, "Keep one of each, set the rest aside");
  const line = changeLine(ctx, () => refresh());
  let report: DuplicateReport | null = null;
  let metric: DuplicateReport["metric"] = "hamming";
  let seq = 0;
  let timer: number | null = null;

  const act = async (what: string, run: () => Promise<Change>): Promise<void> => {
    try {
      line.show(what, await run());
      ctx.refreshImages();
    } catch (err) {
      toast(errorMessage(err), "error");
    }
  };

  const groupEl = (ids: number[], i: number, r: DuplicateReport): HTMLElement => {
    const splits = r.splits[i]!;
    const leak = r.leaks[i]!;
    const tiles = ids.slice(0, TILES).map((id, k) => h("a", {
      class: `dup-tile${r.excluded[i]![k] ? " excluded" : ""}`, href: `/projects/${ctx.projectId}/label/${id}/`,
      title: `Image ${id} · ${humanize(splits[k]!)}${r.excluded[i]![k] ? " · set aside" : ""}`, "data-image-id": String(id),
    }, h("img", { src: `/api/v1/images/${id}/thumbnail/`, alt: `Image ${id}`, loading: "lazy" }),
      h("span", { class: `split-badge split-${splits[k]}` }, humanize(splits[k]!))));
    const moveTo = h("select", { "aria-label": "Move the group to split" }, SPLITS.map((s) => option(s, humanize(s))));
    moveTo.value = splits[0]!;
    const actions = ctx.canManage ? h("div", { class: "dup-actions" },
      h("button", { type: "button", class: "ghost small", "data-testid": "dup-keep-first",
        onclick: () => void act("Set aside", () => curation.apply(ctx.projectId, "exclude", ids.slice(1))) }, "Keep the first, set the rest aside"),
      h("button", { type: "button", class: "ghost small", "data-testid": "dup-gold-first",
        onclick: () => void act("Marked gold", () => curation.apply(ctx.projectId, "gold", ids.slice(0, 1))) }, "Gold the first"),
      leak ? h("span", { class: "dup-move" }, moveTo, h("button", { type: "button", class: "ghost small", "data-testid": "dup-move",
        onclick: () => void act(`Moved to ${humanize(moveTo.value)}`, () => curation.apply(ctx.projectId, "split", ids, moveTo.value as Split)) }, "Move all there")) : null) : null;
    return h("div", { class: `dup-group${leak ? " leak" : ""}`, "data-testid": "dup-group", "data-ids": ids.join(",") },
      h("div", { class: "dup-head small" }, h("b", null, plural(ids.length, "image")),
        leak ? h("span", { class: "leak-badge", "data-testid": "dup-leak", title: "The same image in more than one split: held-out scores count images the model trained on" },
          `crosses splits: ${[...new Set(splits)].map(humanize).join(", ")}`) : null),
      h("div", { class: "dup-tiles" }, tiles, ids.length > TILES ? h("span", { class: "muted small dup-more" }, `+ ${formatCount(ids.length - TILES)} more`) : null), actions);
  };

  const paint = (r: DuplicateReport): void => {
    report = r;
    const inGroups = r.groups.reduce((n, g) => n + g.length, 0);
    const leaks = r.leaks.filter(Boolean).length;
    sliderText.textContent = thresholdText(r.metric, r.threshold);
    replaceChildren(count, r.embedded === 0
      ? "No embeddings in this space yet: compute them above."
      : [h("b", null, plural(r.groups.length, "group")), ` of near-duplicates, ${formatCount(inGroups)} of ${formatCount(r.embedded)} images`,
        leaks ? [" · ", h("span", { class: "leak-badge" }, `${plural(leaks, "group")} across splits`)] : null]);
    keepAll.hidden = !ctx.canManage || r.groups.length === 0;
    replaceChildren(list, r.groups.slice(0, SHOWN).map((g, i) => groupEl(g, i, r)),
      r.groups.length > SHOWN ? h("p", { class: "muted small" }, `and ${formatCount(r.groups.length - SHOWN)} more groups (lower the distance to see fewer)`) : null);
  };

  async function load(): Promise<void> {
    const mine = ++seq;
    list.dataset.loading = "true";
    try {
      const r = await curation.duplicates(ctx.projectId, spaceVersion(space()), Number(slider.value));
      if (mine === seq) paint(r);
    } catch (err) {
      if (mine === seq) replaceChildren(count, `Could not find duplicates: ${errorMessage(err)}`);
    } finally {
      if (mine === seq) list.dataset.loading = "false";
    }
  }
  function refresh(): void {
    if (timer !== null) window.clearTimeout(timer);
    timer = window.setTimeout(() => { timer = null; void load(); }, DEBOUNCE_MS);
  }
  slider.addEventListener("input", () => {
    sliderText.textContent = thresholdText(metric, Number(slider.value));
    refresh();
  });
  keepAll.addEventListener("click", () => {
    const rest = (report?.groups ?? []).flatMap((g) => g.slice(1));
    void act("Set aside", () => curation.apply(ctx.projectId, "exclude", rest));
  });

  const el = h("section", { class: "card curation-dups", "aria-label": "Near-duplicates" },
    h("div", { class: "side-head" }, h("h3", null, "Near-duplicates"), h("span", { class: "spacer" }), keepAll),
    h("label", { class: "field-v dup-slider" }, h("span", null, "Largest distance within a group ", sliderText), slider),
    count, line.el, list);
  return {
    el,
    setSpace: (version) => {
      metric = version ? "cosine" : "hamming";
      const r = RANGE[metric];
      slider.max = String(r.max);
      slider.step = String(r.step);
      slider.value = String(r.start);
      sliderText.textContent = thresholdText(metric, r.start);
      void load();
    },
    refresh,
  };
}
