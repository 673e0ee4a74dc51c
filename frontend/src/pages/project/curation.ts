/**
 * The Curation tab: embeddings (a perceptual hash, or a ready model version's features)
 * computed as a job with live progress; near-duplicate groups with a distance slider and a
 * live count; the embedding map with lasso selection; likely label errors (a model's confident disagreement) with the review queue;
 * "pick N diverse images" into a split. Actions are managers'; each can be undone
 * from the line that reports it.
 */
import { curation, type EmbeddingRun, type EmbeddingSpace, spaceVersion } from "../../api/curation";
import { errorMessage } from "../../api/http";
import type { Split } from "../../api/images";
import { modelVersions, type ModelVersion } from "../../api/models";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatCount, humanize } from "../../lib/format";
import { toast } from "../../ui/toast";
import { progressBar } from "../widgets/run-ui";
import type { ProjectContext } from "./context";
import { changeLine } from "./curation-change";
import { mountGroups } from "./curation-groups";
import { mountMap } from "./curation-map";
import { mountMistakes } from "./curation-mistakes";

function runText(r: EmbeddingRun): string {
  const c = r.counts;
  const what = r.model_version ? `v${r.model_version.version} · ${r.model_version.architecture}` : "Perceptual hash";
  if (r.status === "failed") return `${what}: failed — ${r.error}`;
  if (!r.finished) return `${what}: ${formatCount(r.processed)} / ${formatCount(r.total)} images`;
  return `${what}: ${formatCount(c.computed ?? 0)} computed, ${formatCount(c.existing ?? 0)} already there${c.unreadable ? `, ${formatCount(c.unreadable)} unreadable` : ""} · ${humanize(r.status)}`;
}

export function mountCuration(root: HTMLElement, ctx: ProjectContext): void {
  const versionSel = h("select", { "aria-label": "Embed with", "data-testid": "embed-with" }, option("", "Perceptual hash (no model needed)"));
  const start = h("button", { type: "button", class: "primary", "data-testid": "embed-start", hidden: !ctx.canManage }, "Compute embeddings");
  const runsList = h("ul", { class: "embed-runs", "data-testid": "embed-runs" });
  const spaceSel = h("select", { "aria-label": "Compare by", "data-testid": "curation-space" });
  let versions: ModelVersion[] = [];
  let spaces: EmbeddingSpace[] = [];
  const runs = new Map<number, EmbeddingRun>();
  const onSpace: ((version: number | null) => void)[] = [];

  const paintRuns = (): void => {
    const rows = [...runs.values()].sort((a, b) => b.id - a.id).slice(0, 5);
    replaceChildren(runsList, rows.length ? rows.map((r) => h("li", { "data-testid": "embed-run", "data-status": r.status },
      progressBar({ status: r.status, progress: r.progress }, "embed-progress"),
      h("span", { class: "small" }, runText(r)),
      !r.finished && ctx.canManage ? h("button", { type: "button", class: "ghost small", onclick: () => void curation.cancel(r.id).then(add) }, "Cancel") : null))
      : h("li", { class: "muted small" }, "No embeddings yet: compute them to find near-duplicates and order images by uniqueness."));
  };
  const add = (r: EmbeddingRun): void => {
    const was = runs.get(r.id);
    runs.set(r.id, r);
    paintRuns();
    if (r.finished && was && !was.finished) {
      toast(`Embeddings ${r.status}: ${runText(r)}`, r.status === "succeeded" ? "ok" : "error");
      void loadSpaces(r.model_version?.id ?? null);
      mistakes.refresh();
    }
  };

  async function loadSpaces(choose?: number | null): Promise<void> {
    try {
      spaces = (await curation.spaces(ctx.projectId)).results;
    } catch {
      spaces = [];
    }
    const keep = choose !== undefined ? (choose === null ? "" : String(choose)) : spaceSel.value;
    replaceChildren(spaceSel, spaces.length
      ? spaces.map((s) => option(s.model_version ? String(s.model_version) : "", `${s.title} (${formatCount(s.images)} images)`))
      : option("", "Perceptual hash (not computed yet)"));
    if ([...spaceSel.options].some((o) => o.value === keep)) spaceSel.value = keep;
    for (const fn of onSpace) fn(spaceVersion(spaceSel.value));
  }
  spaceSel.addEventListener("change", () => { for (const fn of onSpace) fn(spaceVersion(spaceSel.value)); });

  start.addEventListener("click", async () => {
    start.disabled = true;
    try {
      add(await curation.start(ctx.projectId, spaceVersion(versionSel.value)));
    } catch (err) {
      toast(`Could not start: ${errorMessage(err)}`, "error");
    } finally {
      start.disabled = false;
    }
  });

  const groups = mountGroups(ctx, () => spaceSel.value);
  onSpace.push(groups.setSpace);
  const diverse = diverseCard(ctx, () => spaceVersion(spaceSel.value));
  const mistakes = mountMistakes(ctx);
  const map = mountMap(ctx);
  onSpace.push(map.setSpace);

  replaceChildren(root,
    h("section", { class: "card curation-embed", "aria-label": "Embeddings" },
      h("div", { class: "side-head" }, h("h3", null, "Embeddings"), h("span", { class: "spacer" }),
        h("label", { class: "filter" }, h("span", null, "Compare by"), spaceSel)),
      h("p", { class: "muted small" }, "Each image as a vector: a perceptual hash finds copies; a trained model's features also find images of the same form. New images are added on the next run."),
      ctx.canManage ? h("div", { class: "actions embed-actions" }, versionSel, start) : null,
      runsList),
    groups.el,
    map.el,
    mistakes.el,
    ctx.canManage ? diverse : null);

  ctx.socket.on("embeddings.progress", (p) => add(p as EmbeddingRun));
  ctx.socket.on("images.curated", () => { groups.refresh(); map.refresh(); });
  void curation.runs(ctx.projectId).then((page) => { for (const r of page.results) runs.set(r.id, r); paintRuns(); }, () => paintRuns());
  void modelVersions.list(ctx.projectId).then((page) => {
    versions = page.results.filter((v) => v.status === "ready");
    replaceChildren(versionSel, option("", "Perceptual hash (no model needed)"),
      versions.map((v) => option(String(v.id), `v${v.version} · ${v.architecture} (${v.task === "detect" ? "backbone" : "penultimate layer"})`)));
  }, () => {});
  void loadSpaces();
}

function diverseCard(ctx: ProjectContext, version: () => number | null): HTMLElement {
  const n = h("input", { type: "number", min: "1", max: "10000", value: "50", "aria-label": "How many images", "data-testid": "diverse-n" });
  const split = h("select", { "aria-label": "Into split", "data-testid": "diverse-split" },
    (["train", "val", "test"] as Split[]).map((s) => option(s, humanize(s))));
  const go = h("button", { type: "button", class: "primary", "data-testid": "diverse-start" }, "Pick");
  const line = changeLine(ctx, () => ctx.refreshImages());
  go.addEventListener("click", async () => {
    go.disabled = true;
    try {
      line.show(`Moved to ${humanize(split.value)}`, await curation.diverse(ctx.projectId, version(), Number(n.value), split.value as Split));
    } catch (err) {
      toast(errorMessage(err), "error");
    } finally {
      go.disabled = false;
    }
  });
  return h("section", { class: "card curation-diverse", "aria-label": "Pick diverse images" },
    h("h3", null, "Pick diverse images"),
    h("p", { class: "muted small" }, "Images with no split yet, each as unlike the others (and the split's images) as the embeddings tell: a validation set that covers the data, or the next batch worth labelling."),
    h("div", { class: "actions" }, h("label", { class: "filter" }, h("span", null, "Pick"), n), h("label", { class: "filter" }, h("span", null, "into"), split), go),
    line.el);
}
