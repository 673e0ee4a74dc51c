/**
 * Two-stage pre-labelling with a classifier per detector class: a detector trained on scale
 * classes (Train on "Boxes, by scale class") finds each shape, and each shape's crops go to
 * the classifier trained on that shape's crops; classes left on "default" use the dialog's
 * classifier for each box.
 */
import type { ModelVersion } from "../../api/models";
import { modelVersions } from "../../api/models";
import { h, option, replaceChildren } from "../../lib/dom";

export interface PerClassField {
  el: HTMLElement;
  /** Show the rows for this detector version's classes (null hides them). */
  setDetector: (versionId: number | null) => void;
  value: () => Record<string, number>;
}

export const versionText = (v: ModelVersion): string =>
  `v${v.version} · ${v.architecture}${v.stage === "production" ? " · production" : ""}`;

export function perClassClassifiers(classifiers: () => ModelVersion[]): PerClassField {
  const rows = h("div", { class: "per-class-rows" });
  const el = h("details", { class: "per-class", "data-testid": "prelabel-per-class", hidden: true },
    h("summary", null, "A classifier per detector class ", h("span", { class: "muted small" }, "(two-stage on scale classes)")), rows);
  const selects = new Map<string, HTMLSelectElement>();
  let seq = 0;

  const render = (classes: string[]): void => {
    selects.clear();
    replaceChildren(rows, classes.map((name) => {
      const sel = h("select", { "aria-label": `Classifier for “${name}” boxes`, "data-class": name },
        option("", "default (the classifier above)"), classifiers().map((v) => option(String(v.id), versionText(v))));
      selects.set(name, sel);
      return h("label", { class: "per-class-row" }, h("span", { class: "mono" }, name), sel);
    }));
  };

  return {
    el,
    setDetector: (versionId) => {
      const mine = ++seq;
      el.hidden = versionId === null;
      if (versionId === null) return;
      void modelVersions.get(versionId).then(
        (v) => { if (mine === seq) render(v.classes); },
        () => { if (mine === seq) el.hidden = true; },
      );
    },
    value: () => Object.fromEntries([...selects].filter(([, s]) => s.value).map(([name, s]) => [name, Number(s.value)])),
  };
}
