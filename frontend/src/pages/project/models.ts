/**
 * Models tab: every registered version, live from `model.updated` events (refetched when the
 * socket reconnects); what serves production per task; pick two to compare; owners move
 * stages through a dialog that asks why. Below: the audit trail, import (managers) and
 * service tokens (owners).
 */
import { errorMessage } from "../../api/http";
import { type ModelVersion, modelVersions } from "../../api/models";
import { h, replaceChildren } from "../../lib/dom";
import { plural, relativeTime } from "../../lib/format";
import { compareUrl, modelUrl, runUrl } from "../../lib/urls";
import { openPrelabelDialog } from "../widgets/autoannotate-dialog";
import { runsCard } from "../widgets/autoannotate-runs";
import { taskPill } from "../widgets/run-ui";
import { openStageDialog } from "../widgets/stage-dialog";
import { formatMB, formatParams } from "../widgets/version-metrics";
import { pickTwo, productionByTask, promoteNote, stageActions, sortVersions, upsertVersion } from "../widgets/version-stage";
import { headlineCell, openStageMenu, stageBadge, versionStatus } from "../widgets/version-ui";
import type { ProjectContext } from "./context";
import { mountAudit } from "./models-audit";
import { importForm } from "./models-import";
import { tokensCard } from "./models-tokens";

export function mountModels(root: HTMLElement, ctx: ProjectContext): void {
  let versions: ModelVersion[] = [];
  let loaded = false;
  let picked: number[] = [];
  const rows = new Map<number, HTMLTableRowElement>();
  const body = h("tbody");
  const count = h("span", { class: "muted small" });
  const error = h("p", { class: "msg msg-error", role: "alert", hidden: true });
  const serving = h("div", { class: "serving", "data-testid": "serving" });
  const compareBtn = h("button", { type: "button", class: "secondary small", "data-testid": "compare-button", disabled: true, onclick: () => compare() }, "Compare");
  const cols = ctx.canManage ? 12 : 11;
  const audit = mountAudit(ctx);
  const autoRuns = runsCard({ projectId: ctx.projectId, canManage: ctx.canManage, socket: ctx.socket, limit: 8 });
  const prelabel = (versionId: number | null): void => void openPrelabelDialog({
    projectId: ctx.projectId, versions, versionId, onStarted: (run) => autoRuns.add(run),
  });
  const prelabelBtn = ctx.canManage
    ? h("button", { type: "button", class: "secondary small", "data-testid": "prelabel-open", title: "Let a ready version pre-label images (production by default)", onclick: () => prelabel(null) }, "Pre-label…")
    : null;

  const table = h("table", { class: "table versions-table", "data-testid": "versions-table" },
    h("thead", null, h("tr", null,
      h("th", { class: "col-pick", title: "Pick two to compare" }, ""), h("th", { class: "col-v" }, "Version"),
      h("th", { class: "col-model" }, "Model"), h("th", { class: "col-source" }, "Source"),
      h("th", { class: "col-metric" }, "Held-out"), h("th", { class: "col-size" }, "Size"), h("th", { class: "col-params" }, "Params"),
      h("th", { class: "col-stage" }, "Stage"), h("th", { class: "col-vstatus" }, "Status"), h("th", { class: "col-when" }, "Created"),
      ctx.canManage ? h("th", { class: "col-act" }, "") : null)),
    body);
  const empty = h("div", { class: "empty models-empty", hidden: true },
    h("div", { class: "empty-icon" }, "◇"),
    h("h3", null, "No model versions yet"),
    h("p", { class: "muted" }, "Every training run that succeeds registers a version here, scored on the snapshot's held-out split. ",
      ctx.canManage ? "You can also import a checkpoint (a torchvision or CIFAR ResNet state_dict) on the right." : ""));

  function compare(): void {
    if (picked.length !== 2) return;
    const [a, b] = [...picked].map((id) => versions.find((v) => v.id === id)!).sort((x, y) => x.version - y.version);
    window.location.href = compareUrl(ctx.projectId, a!.id, b!.id);
  }

  function paintCompare(): void {
    compareBtn.disabled = picked.length !== 2;
    const vs = picked.map((id) => versions.find((v) => v.id === id)).filter(Boolean) as ModelVersion[];
    compareBtn.textContent = vs.length === 2 ? `Compare ${sortVersions(vs).reverse().map((v) => `v${v.version}`).join(" ↔ ")}` : vs.length === 1 ? "Compare (pick one more)" : "Compare";
    for (const [id, tr] of rows) {
      const on = picked.includes(id);
      tr.classList.toggle("picked", on);
      const cb = tr.querySelector<HTMLInputElement>("input[type=checkbox]");
      if (cb) cb.checked = on;
    }
  }

  function stageMenu(v: ModelVersion, btn: HTMLElement): void {
    openStageMenu(btn, stageActions(v), (action) => openStageDialog({
      version: v, action, note: promoteNote(v, action.stage, versions),
      onDone: (fresh) => {
        apply(fresh);
        audit.reload();
      },
    }));
  }

  function rowFor(v: ModelVersion): HTMLTableRowElement {
    const url = modelUrl(ctx.projectId, v.id);
    const pick = h("input", { type: "checkbox", "aria-label": `Pick v${v.version} to compare`, "data-testid": "pick-version", checked: picked.includes(v.id) });
    pick.addEventListener("change", () => {
      picked = pickTwo(picked, v.id, pick.checked);
      paintCompare();
    });
    const created = h("span", { title: new Date(v.created_at).toLocaleString() }, relativeTime(v.created_at));
    const tr = h("tr", { class: `version-row${picked.includes(v.id) ? " picked" : ""}`, "data-testid": "version-row", "data-version-id": String(v.id), "data-stage": v.stage, "data-status": v.status },
      h("td", { class: "col-pick" }, pick),
      h("td", null, h("a", { class: "version-link", href: url, "data-testid": "version-link" }, `v${v.version}`)),
      h("td", { class: "model-cell" }, h("span", { class: "mono", title: v.architecture }, v.architecture), " ", taskPill(v.task),
        h("div", { class: "muted small" }, `${plural(v.num_classes, "class", "classes")} · ${v.image_size}px`)),
      h("td", { class: "small" }, v.run
        ? h("a", { href: runUrl(ctx.projectId, v.run), title: "The training run that made it" }, `run #${v.run}`)
        : h("span", { class: "pill source-imported", title: v.description || "Imported checkpoint" }, "imported")),
      h("td", { class: "metric-cell" }, headlineCell(v)),
      h("td", { class: "num small" }, formatMB(v.size_bytes)),
      h("td", { class: "num small", title: v.parameters ? v.parameters.toLocaleString("en-US") : "" }, formatParams(v.parameters)),
      h("td", null, stageBadge(v.stage)),
      h("td", { class: "vstatus-cell" }, versionStatus(v)),
      h("td", { class: "muted small" }, created, v.created_by ? h("div", null, v.created_by) : null),
      ctx.canManage
        ? h("td", { class: "row-actions" },
          v.status === "ready" ? h("button", {
            type: "button", class: "ghost small", "data-testid": "prelabel-row", title: `Pre-label images with v${v.version}`,
            onclick: () => prelabel(v.id),
          }, "Pre-label…") : null,
          ctx.isOwner ? h("button", {
            type: "button", class: "ghost small", "data-testid": "stage-actions", "data-menu-id": `v${v.id}`, "aria-haspopup": "menu",
            onclick: (e: Event) => stageMenu(v, e.currentTarget as HTMLElement),
          }, "Stage ▾") : null)
        : null,
    );
    tr.addEventListener("click", (e) => {
      if ((e.target as HTMLElement).closest("a, button, input, label")) return;
      window.location.href = url;
    });
    return tr;
  }

  function paintServing(): void {
    const prod = productionByTask(versions);
    if (!prod.size) {
      replaceChildren(serving, loaded && versions.length
        ? h("span", { class: "muted small" }, "Nothing in production: the predict API answers 409 until an owner promotes a ready version.")
        : null);
      return;
    }
    replaceChildren(serving, [...prod.values()].map((v) => h("a", { class: "serving-card", href: modelUrl(ctx.projectId, v.id), "data-testid": "serving-card" },
      h("span", { class: "serving-dot", "aria-hidden": "true" }),
      h("span", null, h("span", { class: "muted small" }, `${v.task === "detect" ? "Detection" : "Classification"} in production `),
        h("b", null, `v${v.version}`), " ", h("span", { class: "mono small" }, v.architecture)),
      headlineCell(v),
      h("span", { class: "muted small" }, v.stage_changed_at ? `since ${relativeTime(v.stage_changed_at)}` : ""))));
  }

  function render(): void {
    rows.clear();
    count.textContent = loaded ? plural(versions.length, "version") : "";
    empty.hidden = !loaded || versions.length > 0;
    table.hidden = loaded && versions.length === 0;
    paintServing();
    if (!loaded) {
      replaceChildren(body, h("tr", null, h("td", { colspan: String(cols), class: "empty-row" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading versions…")));
      return;
    }
    replaceChildren(body, versions.map((v) => {
      const tr = rowFor(v);
      rows.set(v.id, tr);
      return tr;
    }));
    paintCompare();
  }

  function apply(v: ModelVersion): void {
    const before = versions.find((x) => x.id === v.id);
    versions = upsertVersion(versions, v);
    const fresh = versions.find((x) => x.id === v.id)!;
    const old = rows.get(v.id);
    if (!old || !before) return render();
    const tr = rowFor(fresh);
    old.replaceWith(tr);
    rows.set(v.id, tr);
    if (before.stage !== fresh.stage || before.status !== fresh.status) {
      tr.classList.add("flash");
      tr.addEventListener("animationend", () => tr.classList.remove("flash"), { once: true });
      paintServing();
    }
  }

  async function load(): Promise<void> {
    try {
      versions = sortVersions((await modelVersions.list(ctx.projectId)).results);
      picked = picked.filter((id) => versions.some((v) => v.id === id));
      loaded = true;
      error.hidden = true;
    } catch (err) {
      error.textContent = `Could not load model versions: ${errorMessage(err)}`;
      error.hidden = false;
      loaded = true;
    }
    render();
  }

  ctx.socket.on("model.updated", (payload) => {
    const v = payload as ModelVersion;
    if (!v || typeof v.id !== "number" || (v.project !== undefined && v.project !== ctx.projectId)) return;
    const before = versions.find((x) => x.id === v.id);
    apply(v);
    if (before && before.stage !== v.stage) audit.reload();
  });
  ctx.socket.on("hello", () => {
    if (loaded) {
      void load();
      audit.reload();
    }
  });

  const side = [ctx.canManage ? importForm(ctx, (v) => apply(v)) : null, ctx.isOwner ? tokensCard(ctx) : null].filter(Boolean) as HTMLElement[];
  replaceChildren(root,
    h("section", { class: "versions" },
      serving,
      h("div", { class: "section-head" }, h("h2", null, "Model versions"), count, h("span", { class: "spacer" }),
        h("span", { class: "muted small hint" }, "Tick two rows to compare"), compareBtn, prelabelBtn),
      error, table, empty),
    autoRuns.el,
    h("div", { class: side.length ? "models-lower" : "models-lower single" }, audit.el, side.length ? h("div", { class: "models-side" }, side) : null));
  render();
  void load();
}
