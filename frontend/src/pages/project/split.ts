/** Split tab (managers): the current split counts, and random train/val/test assignment with
 *  ratios and a seed. The counts follow `images.split` events. */
import { errorMessage } from "../../api/http";
import { images, type Split } from "../../api/images";
import { h, replaceChildren } from "../../lib/dom";
import { formatCount, normalizeRatios, percent } from "../../lib/format";
import { messageArea } from "../../ui/toast";
import type { ProjectContext } from "./context";

const PARTS = ["train", "val", "test"] as const;
const ALL: Split[] = ["train", "val", "test", "unassigned"];

/** "Now: 1,200 images" with a bar and a chip per split (unassigned last, only if any). */
function currentSplit(root: HTMLElement, counts: Record<Split, number>): void {
  const total = ALL.reduce((s, k) => s + (counts[k] ?? 0), 0);
  const shown = ALL.filter((k) => k !== "unassigned" || counts[k] > 0);
  replaceChildren(root,
    h("div", { class: "side-head" }, h("h3", null, "Now"), h("span", { class: "muted small" }, `${formatCount(total)} images`)),
    total
      ? h("div", { class: "split-bar", "aria-hidden": "true" }, shown.filter((k) => counts[k] > 0).map((k) =>
        h("span", { class: `seg split-${k}`, style: `flex-grow:${counts[k]}` }, counts[k] / total >= 0.06 ? k : "")))
      : h("p", { class: "muted small" }, "No images yet."),
    h("div", { class: "result-stats" }, shown.map((k) =>
      h("span", { class: `stat-chip split-${k}`, "data-split": k }, `${k === "unassigned" ? "no split" : k} ${formatCount(counts[k] ?? 0)}${total ? ` · ${percent(counts[k] / total)}` : ""}`))));
}

export function mountSplit(root: HTMLElement, ctx: ProjectContext): void {
  const msg = messageArea();
  const defaults = { train: 0.8, val: 0.1, test: 0.1 };
  const inputs = Object.fromEntries(PARTS.map((p) => [p, h("input", {
    type: "number", name: p, min: "0", max: "1", step: "0.05", value: String(defaults[p]), "aria-label": `${p} ratio`,
  })])) as Record<(typeof PARTS)[number], HTMLInputElement>;
  const seed = h("input", { type: "number", name: "seed", value: "0", step: "1", "aria-label": "Seed" });
  const onlyUnassigned = h("input", { type: "checkbox", name: "only_unassigned", checked: true });
  const bar = h("div", { class: "split-bar", "aria-hidden": "true" });
  const button = h("button", { type: "submit", class: "primary", "data-testid": "split-start" }, "Assign splits");
  const result = h("div", { class: "split-result", "data-testid": "split-result" });
  const now = h("section", { class: "card split-now", "data-testid": "split-now" },
    h("p", { class: "muted small" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Counting…"));
  const loadCounts = (): void => {
    images.splitCounts(ctx.projectId).then((r) => currentSplit(now, r.counts),
      (err) => replaceChildren(now, h("p", { class: "muted small" }, `Could not count the splits: ${errorMessage(err)}`)));
  };

  const ratios = () => ({ train: Number(inputs.train.value), val: Number(inputs.val.value), test: Number(inputs.test.value) });
  const paint = (): void => {
    const n = normalizeRatios(ratios());
    button.disabled = n === null;
    replaceChildren(bar, n
      ? PARTS.map((p) => h("span", { class: `seg split-${p}`, style: `flex-grow:${n[p]}` }, n[p] >= 0.06 ? `${p} ${percent(n[p])}` : ""))
      : h("span", { class: "seg invalid" }, "Ratios must be ≥ 0 and not all zero"));
  };
  for (const i of Object.values(inputs)) i.addEventListener("input", paint);

  const form = h("form", { class: "card split-form" },
    h("div", { class: "split-inputs" },
      PARTS.map((p) => h("label", { class: "field-v" }, h("span", null, p[0]!.toUpperCase() + p.slice(1)), inputs[p])),
      h("label", { class: "field-v" }, h("span", null, "Seed"), seed),
    ),
    bar,
    h("label", { class: "check" }, onlyUnassigned, " Only images that have no split yet (keeps existing train/val/test)"),
    h("p", { class: "muted small" }, "Ratios are normalised; the same seed on the same images gives the same split."),
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const n = normalizeRatios(ratios());
    if (!n) return;
    button.disabled = true;
    try {
      const res = await images.split(ctx.projectId, {
        ...ratios(), seed: Math.trunc(Number(seed.value) || 0), only_unassigned: onlyUnassigned.checked,
      });
      const a = res.assigned ?? {};
      const total = PARTS.reduce((s, p) => s + (a[p] ?? 0), 0);
      replaceChildren(result,
        h("h3", null, total ? `Assigned ${formatCount(total)} images` : "Nothing to assign"),
        h("div", { class: "result-stats" }, PARTS.map((p) =>
          h("span", { class: `stat-chip split-${p}` }, `${p}: ${formatCount(a[p] ?? 0)}`))),
        total === 0 && onlyUnassigned.checked ? h("p", { class: "muted small" }, "Every image already has a split. Untick “only images that have no split yet” to reshuffle all.") : null,
      );
      currentSplit(now, res.counts);
      ctx.refreshImages();
    } catch (err) {
      msg.show(errorMessage(err));
    } finally {
      button.disabled = false;
    }
  });

  replaceChildren(root,
    h("div", { class: "section-head" }, h("h2", null, "Train / val / test split")),
    now, form, msg.el, result);
  paint();
  loadCounts();
  ctx.socket.on("images.split", loadCounts);
}
