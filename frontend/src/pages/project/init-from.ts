/**
 * "Start from" in the New run form: train from the architecture's default initialisation, or
 * fine-tune a ready model version of the same architecture (sent as `init_from`). The version
 * page's "Fine-tune" link opens the form with ?init_from=<id> preselected.
 */
import { type ModelVersion, modelVersions } from "../../api/models";
import { h, option, replaceChildren } from "../../lib/dom";

export interface InitFromField {
  el: HTMLElement;
  /** The version id to send, or null for the default initialisation. */
  value: () => number | null;
  /** Offer the ready versions of this architecture. */
  setArchitecture: (arch: string | null) => void;
}

export function initFromField(projectId: number, search = window.location.search): InitFromField {
  const wanted = Number(new URLSearchParams(search).get("init_from")) || null;
  const sel = h("select", { name: "init_from", "aria-label": "Start from", "data-testid": "init-from" });
  const note = h("span", { class: "muted small" });
  let versions: ModelVersion[] = [];
  let arch: string | null = null;
  let preselect = wanted;

  function fill(): void {
    const keep = preselect ? String(preselect) : sel.value;
    const fits = versions.filter((v) => v.status === "ready" && v.architecture === arch);
    replaceChildren(sel, option("", "Architecture default (pretrained or scratch)"),
      fits.map((v) => option(String(v.id), `Fine-tune v${v.version}${v.stage !== "none" ? ` (${v.stage})` : ""}`)));
    sel.value = fits.some((v) => String(v.id) === keep) ? keep : "";
    // Keep the wish until it is applied (the architecture list may arrive after the versions).
    if (preselect && (sel.value === String(preselect) || (versions.length && !versions.some((v) => v.id === preselect)))) preselect = null;
    sel.disabled = fits.length === 0;
    const v = versions.find((x) => String(x.id) === sel.value);
    note.textContent = v ? `Starts from v${v.version}'s weights; its classes must match the snapshot's.` : "";
  }

  sel.addEventListener("change", fill);
  modelVersions.list(projectId).then((page) => {
    versions = page.results;
    if (wanted) {
      const v = versions.find((x) => x.id === wanted);
      if (v && arch !== v.architecture) sel.dispatchEvent(new CustomEvent("want-arch", { bubbles: true, detail: v.architecture }));
    }
    fill();
  }, () => fill());

  return {
    el: h("label", { class: "field-v init-from" }, h("span", null, "Start from"), sel, note),
    value: () => (sel.value ? Number(sel.value) : null),
    setArchitecture: (a) => {
      arch = a;
      fill();
    },
  };
}
