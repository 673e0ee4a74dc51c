/**
 * Two versions side by side: headline metrics with B − A deltas (green better, red worse),
 * per-class precision/recall (or AP) aligned by class name, and both confusion matrices.
 * Without ?a= and ?b= it offers a picker.
 */
import { errorMessage } from "../../api/http";
import { type ClassifyClassRow, type ClassifyReport, type DetectClassRow, type ModelVersion, type ModelVersionDetail, modelVersions } from "../../api/models";
import { h, option, replaceChildren } from "../../lib/dom";
import { compareUrl, modelUrl } from "../../lib/urls";
import { taskPill } from "../widgets/run-ui";
import { barFraction, fractionDelta, pct, type Delta } from "../widgets/version-metrics";
import { stageBadge, versionStatus } from "../widgets/version-ui";
import { alignByLabel, headlineRows, splitWarning, type Aligned } from "./compare";
import { confusionMatrix } from "./confusion";
import type { ModelPageContext } from "./context";

const deltaCell = (d: Delta): HTMLElement => h("td", { class: `delta tone-${d.tone}`, "data-testid": "delta", "data-tone": d.tone }, d.text);

/** Two thin bars (A above B) with their values: which is longer is seen before it is read. */
function pairBars(a: number | null | undefined, b: number | null | undefined): HTMLElement {
  const bar = (v: number | null | undefined, cls: string): HTMLElement => h("div", { class: `pair-row ${cls}` },
    h("span", { class: "pair-track", "aria-hidden": "true" }, h("span", { style: `width:${(barFraction(v) * 100).toFixed(1)}%` })),
    h("span", { class: "pair-value" }, pct(v)));
  return h("div", { class: "pair" }, bar(a, "side-a"), bar(b, "side-b"));
}

function sideCard(v: ModelVersionDetail, side: "a" | "b", projectId: number): HTMLElement {
  return h("a", { class: `card compare-side side-${side}`, href: modelUrl(projectId, v.id), "data-testid": `compare-${side}` },
    h("span", { class: "side-tag" }, side.toUpperCase()),
    h("div", null, h("b", { class: "compare-v" }, `v${v.version}`), " ", h("span", { class: "mono" }, v.architecture)),
    h("div", { class: "run-badges" }, stageBadge(v.stage), versionStatus(v, false), taskPill(v.task)),
    h("span", { class: "muted small" }, v.run ? `run #${v.run}` : "imported", v.metrics?.split ? ` · ${v.metrics.split} split` : ""));
}

function perClassTable(a: ModelVersionDetail, b: ModelVersionDetail): HTMLElement | null {
  const detect = a.task === "detect";
  const ra = (a.report?.per_class ?? []) as (ClassifyClassRow | DetectClassRow)[];
  const rb = (b.report?.per_class ?? []) as (ClassifyClassRow | DetectClassRow)[];
  if (!ra.length && !rb.length) return null;
  const rows = alignByLabel(ra, rb);
  const keys: [string, string][] = detect ? [["ap", "AP@.5:.95"], ["ap50", "AP@.5"]] : [["precision", "Precision"], ["recall", "Recall"]];
  const get = (r: unknown, k: string): number | null => (r ? ((r as Record<string, number | null>)[k] ?? null) : null);
  const tr = (r: Aligned<ClassifyClassRow | DetectClassRow>): HTMLElement => h("tr", { "data-testid": "compare-class-row", "data-label": r.label },
    h("td", { class: "class-name", title: r.label }, r.label, !r.a || !r.b ? h("span", { class: "muted small" }, ` (only ${r.a ? "A" : "B"})`) : null),
    keys.flatMap(([k]) => [h("td", null, pairBars(get(r.a, k), get(r.b, k))), deltaCell(fractionDelta(get(r.a, k), get(r.b, k)))]),
    h("td", { class: "num muted small" }, `${r.a?.support ?? "–"} / ${r.b?.support ?? "–"}`));
  return h("div", { class: "report-scroll" }, h("table", { class: "table report-table compare-table", "data-testid": "compare-per-class" },
    h("thead", null, h("tr", null, h("th", { class: "col-class" }, "Class"),
      keys.flatMap(([, t]) => [h("th", null, `${t} `, h("span", { class: "muted" }, "A / B")), h("th", { class: "col-delta" }, "Δ")]),
      h("th", { class: "col-num" }, "Support A / B"))),
    h("tbody", null, rows.map(tr))));
}

function render(ctx: ModelPageContext, a: ModelVersionDetail, b: ModelVersionDetail): void {
  const warn = a.task !== b.task ? `v${a.version} is a ${a.task} model and v${b.version} a ${b.task} model: only size and parameters compare.` : splitWarning(a, b);
  const headline = h("table", { class: "table compare-headline", "data-testid": "compare-headline" },
    h("thead", null, h("tr", null, h("th", null, "Metric"), h("th", { class: "num" }, `A · v${a.version}`), h("th", { class: "num" }, `B · v${b.version}`), h("th", { class: "num" }, "Δ (B − A)"))),
    h("tbody", null, headlineRows(a, b).map((r) => h("tr", { "data-metric": r.key }, h("td", null, r.label), h("td", { class: "num" }, r.a), h("td", { class: "num" }, r.b), deltaCell(r.delta)))));
  const perClass = a.task === b.task ? perClassTable(a, b) : null;
  const cm = (v: ModelVersionDetail): HTMLElement | null => {
    const r = v.report as ClassifyReport;
    if (v.task !== "classify" || !r?.confusion?.length) return null;
    return h("section", { class: "card confusion-card" }, h("div", { class: "side-head" }, h("h3", null, `Confusion · v${v.version}`)),
      confusionMatrix((r.per_class ?? []).map((c) => c.label).length === r.confusion.length ? r.per_class!.map((c) => c.label) : v.classes, r.confusion));
  };
  const cms = [cm(a), cm(b)];
  replaceChildren(ctx.app,
    h("header", { class: "run-head" },
      h("div", { class: "run-title" }, h("h1", null, "Compare ", h("span", { class: "run-id" }, `v${a.version} ↔ v${b.version}`))),
      h("div", { class: "run-actions" }, h("a", { class: "button", href: compareUrl(ctx.projectId, b.id, a.id), "data-testid": "compare-swap" }, "⇄ Swap A and B"))),
    h("div", { class: "compare-sides" }, sideCard(a, "a", ctx.projectId), sideCard(b, "b", ctx.projectId)),
    warn ? h("p", { class: "msg compare-warn" }, warn) : null,
    h("section", { class: "card" }, h("div", { class: "side-head" }, h("h3", null, "Headline metrics"), h("span", { class: "muted small" }, "green: B is better · red: B is worse")), headline),
    perClass ? h("section", { class: "card" }, h("div", { class: "side-head" }, h("h3", null, "Per class"), h("span", { class: "muted small" }, "aligned by class name")), perClass) : null,
    cms.some(Boolean) ? h("div", { class: "compare-cms" }, cms) : null);
  document.title = `Compare v${a.version} ↔ v${b.version} · Labelforge`;
}

async function picker(ctx: ModelPageContext, a: number | null, b: number | null): Promise<void> {
  const list: ModelVersion[] = (await modelVersions.list(ctx.projectId)).results;
  const sel = (value: number | null, name: string): HTMLSelectElement => {
    const s = h("select", { name, "aria-label": `Version ${name.toUpperCase()}` }, option("", "Pick a version"), list.map((v) => option(String(v.id), `v${v.version} · ${v.architecture} · ${v.stage}`)));
    if (value) s.value = String(value);
    return s;
  };
  const sa = sel(a, "a");
  const sb = sel(b, "b");
  const go = h("button", { type: "submit", class: "primary" }, "Compare");
  const form = h("form", { class: "card compare-picker" }, h("h2", null, "Compare two versions"),
    h("div", { class: "form-row two" }, h("label", { class: "field-v" }, h("span", null, "A (baseline)"), sa), h("label", { class: "field-v" }, h("span", null, "B (candidate)"), sb)),
    h("div", { class: "actions" }, go));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (sa.value && sb.value && sa.value !== sb.value) window.location.href = compareUrl(ctx.projectId, Number(sa.value), Number(sb.value));
  });
  replaceChildren(ctx.app, form);
}

export function mountCompare(ctx: ModelPageContext, a: number | null, b: number | null): void {
  const fail = (err: unknown): void => replaceChildren(ctx.app, h("div", { class: "empty" }, h("h3", null, "Could not load the versions"), h("p", { class: "muted" }, errorMessage(err))));
  if (!a || !b) {
    picker(ctx, a, b).catch(fail);
    return;
  }
  let loaded = false;
  const load = (): void => {
    Promise.all([modelVersions.get(a), modelVersions.get(b)]).then(([va, vb]) => {
      loaded = true;
      render(ctx, va, vb);
    }, (err) => (loaded ? undefined : fail(err)));
  };
  ctx.socket.on("model.updated", (p) => {
    const id = (p as ModelVersion | null)?.id;
    if (id === a || id === b) load();
  });
  load();
}
