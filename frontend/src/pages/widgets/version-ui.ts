/** Small DOM pieces shared by the Models tab, the version page and the compare view. */
import type { VersionStatus } from "../../api/common";
import type { ModelVersion, Stage } from "../../api/models";
import { h } from "../../lib/dom";
import { barFraction, pct, versionHeadline } from "./version-metrics";
import { stageText, type StageAction } from "./version-stage";

export function stageBadge(stage: Stage, testId = "stage-badge"): HTMLElement {
  return h("span", { class: `stage-badge stage-${stage}`, "data-stage": stage, "data-testid": testId, title: `Stage: ${stageText(stage)}` },
    h("i", { "aria-hidden": "true" }), stage === "none" ? "No stage" : stageText(stage));
}

const STATUS_TEXT: Record<VersionStatus, string> = { pending: "Preparing", ready: "Ready", failed: "Failed" };

/** Pending spins, failed says why (in full on hover), ready notes whether ONNX serving is on. */
export function versionStatus(v: Pick<ModelVersion, "status" | "error" | "has_onnx" | "onnx_error">, withError = true): HTMLElement {
  const el = h("span", { class: `version-status vs-${v.status}`, "data-status": v.status, "data-testid": "version-status" });
  if (v.status === "pending") {
    el.append(h("span", { class: "spinner small-spinner", "aria-hidden": "true" }), " Preparing…");
    el.title = "A worker is loading the weights, scoring the held-out split and exporting ONNX";
  } else if (v.status === "failed") {
    el.append(h("i", { "aria-hidden": "true" }), STATUS_TEXT.failed);
    if (withError && v.error) el.append(h("span", { class: "version-error", title: v.error }, v.error));
  } else {
    el.append(h("i", { "aria-hidden": "true" }), STATUS_TEXT.ready);
    el.append(h("span", {
      class: `chip-mini${v.has_onnx ? "" : " off"}`,
      title: v.has_onnx ? "Served with ONNX Runtime" : `No ONNX export, served with torch${v.onnx_error ? `: ${v.onnx_error}` : ""}`,
    }, v.has_onnx ? "ONNX" : "torch"));
  }
  return el;
}

/** A thin bar with the value, and the split it was measured on. */
export function headlineCell(v: Pick<ModelVersion, "task" | "metrics" | "status" | "source">): HTMLElement {
  const head = versionHeadline(v.task, v.metrics);
  if (!head) {
    const why = v.status === "pending" ? "scoring…" : v.status === "failed" ? "–" : v.source === "imported" ? "not scored" : "no held-out split";
    return h("span", { class: "muted small", title: v.status === "ready" ? "The snapshot had no val or test images to score on" : "" }, why);
  }
  return h("div", { class: "vheadline", "data-testid": "headline-metric", title: `${head.label} on ${head.count ?? "?"} ${head.split} images` },
    h("span", { class: "hbar", "aria-hidden": "true" }, h("span", { style: `width:${(barFraction(head.value) * 100).toFixed(1)}%` })),
    h("b", null, head.text),
    h("span", { class: "muted small" }, ` ${head.label === "accuracy" ? "acc" : head.label} · ${head.split}`));
}

/** A labelled horizontal bar for a fraction (per-class precision, recall, AP); null is "—". */
export function fractionBar(value: number | null | undefined, kind: string): HTMLElement {
  const missing = value === null || value === undefined || !Number.isFinite(value);
  return h("div", { class: `fbar fbar-${kind}${missing ? " is-missing" : ""}`, title: missing ? "Undefined (no predictions or no images of this class)" : pct(value) },
    h("span", { class: "fbar-track", "aria-hidden": "true" }, h("span", { style: `width:${(barFraction(value) * 100).toFixed(1)}%` })),
    h("span", { class: "fbar-value" }, pct(value)));
}

/** A popover menu of stage moves under `anchor` (fixed-positioned: tables clip overflow). */
let openMenu: HTMLElement | null = null;

function closeStageMenu(): void {
  openMenu?.remove();
  openMenu = null;
}

export function openStageMenu(anchor: HTMLElement, actions: StageAction[], pick: (a: StageAction) => void): void {
  const wasMine = openMenu?.dataset.for === anchor.dataset.menuId;
  closeStageMenu();
  if (wasMine) return;
  const r = anchor.getBoundingClientRect();
  const menu = h("div", { class: "stage-menu", role: "menu", "data-testid": "stage-menu", "data-for": anchor.dataset.menuId ?? "" },
    actions.length
      ? actions.map((a) => h("button", {
        type: "button", role: "menuitem", class: `menu-item${a.danger ? " danger" : ""}`, "data-stage": a.stage,
        onclick: () => { closeStageMenu(); pick(a); },
      }, a.label))
      : h("span", { class: "muted small menu-empty" }, "No stage moves for this version"));
  menu.style.top = `${Math.round(r.bottom + 4)}px`;
  menu.style.left = `${Math.round(Math.max(8, r.right - 210))}px`;
  document.body.append(menu);
  openMenu = menu;
  menu.querySelector<HTMLButtonElement>("button")?.focus({ preventScroll: true });
}

if (typeof document !== "undefined") {
  document.addEventListener("pointerdown", (e) => {
    const t = e.target as HTMLElement | null;
    if (openMenu && t && !openMenu.contains(t) && !t.closest("[data-menu-id]")) closeStageMenu();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeStageMenu();
  });
  window.addEventListener("scroll", () => closeStageMenu(), { passive: true });
}
