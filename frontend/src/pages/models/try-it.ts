/**
 * "Try it": drop an image (or click to choose, or paste), run it through this version's
 * predict endpoint, and show top-3 classes as confidence bars, or the detector's boxes drawn
 * over the image (a canvas scaled to the displayed size) with a threshold slider that filters
 * on the client without another request. Shows the serving backend and the round trip time.
 */
import { errorMessage } from "../../api/http";
import { type BoxPrediction, type ClassPrediction, type ModelVersionDetail, modelVersions, type PredictResponse } from "../../api/models";
import { h, replaceChildren } from "../../lib/dom";
import { plural } from "../../lib/format";
import { messageArea } from "../../ui/toast";
import { pct } from "../widgets/version-metrics";
import { labelColor, scaleBox, scaleRings, tagPosition, visibleBoxes } from "./boxes";

/** Tasks whose predictions are boxes with scores (segmentation ones carry polygons too). */
const hasBoxes = (task: string): boolean => task === "detect" || task === "segment" || task === "semantic";

/** Ask the detector for everything above this; the slider filters from there. */
const FLOOR = 0.05;

export class TryIt {
  readonly el: HTMLElement;
  private v: ModelVersionDetail;
  private readonly input = h("input", { type: "file", accept: "image/*", class: "visually-hidden", "data-testid": "try-input" });
  private readonly drop: HTMLElement;
  private readonly stage = h("div", { class: "try-stage", hidden: true });
  private readonly img = h("img", { alt: "The image sent to the model", "data-testid": "try-image" });
  private readonly canvas = h("canvas", { class: "try-overlay", "data-testid": "try-overlay", "aria-hidden": "true" });
  private readonly results = h("div", { class: "try-results", "data-testid": "try-results", "aria-live": "polite" });
  private readonly meta = h("span", { class: "muted small try-meta", "data-testid": "try-meta" });
  private readonly slider = h("input", { type: "range", min: "0.05", max: "0.95", step: "0.05", value: "0.3", "aria-label": "Score threshold", "data-testid": "try-threshold" });
  private readonly sliderOut = h("output", { class: "mono" }, "0.30");
  private readonly msg = messageArea();
  private preds: BoxPrediction[] = [];
  private url = "";
  private seq = 0;

  constructor(v: ModelVersionDetail) {
    this.v = v;
    this.drop = h("div", { class: "try-drop", tabindex: "0", role: "button", "data-testid": "try-drop", "aria-label": "Choose an image to try" },
      h("div", { class: "drop-icon", "aria-hidden": "true" }, "⇪"),
      h("p", { class: "drop-title" }, "Drop an image here"),
      h("p", { class: "muted small" }, "or click to choose one, or paste it (Ctrl+V)"),
      this.input);
    this.stage.append(this.img, this.canvas);
    const thresholdRow = h("label", { class: "range-row try-threshold", hidden: !hasBoxes(v.task) },
      h("span", { class: "muted small" }, "Score ≥"), this.slider, this.sliderOut);
    this.el = h("section", { class: "card try-card", "data-testid": "try-it" },
      h("div", { class: "side-head" }, h("h3", null, "Try it"), h("span", { class: "spacer" }), this.meta),
      h("div", { class: "try-body" }, h("div", { class: "try-left" }, this.stage, this.drop),
        h("div", { class: "try-right" }, thresholdRow, this.results, this.msg.el)));
    this.wire();
    this.setVersion(v);
  }

  setVersion(v: ModelVersionDetail): void {
    this.v = v;
    const ready = v.status === "ready";
    this.input.disabled = !ready;
    this.el.classList.toggle("is-disabled", !ready);
    if (!this.url) {
      replaceChildren(this.results, h("p", { class: "muted small" }, ready
        ? hasBoxes(v.task) ? `${v.task === "detect" ? "Boxes" : "Outlines"} appear on the image, with a score threshold you can slide.` : "The top 3 classes appear here with their confidence."
        : v.status === "pending" ? "Available once the worker has prepared this version." : "This version failed to load, so it cannot predict."));
    }
  }

  private wire(): void {
    this.drop.addEventListener("click", (e) => {
      if (e.target !== this.input) this.input.click();
    });
    this.drop.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        this.input.click();
      }
    });
    this.input.addEventListener("change", () => {
      const f = this.input.files?.[0];
      if (f) void this.send(f, f.name);
      this.input.value = "";
    });
    let depth = 0;
    this.el.addEventListener("dragenter", (e) => {
      e.preventDefault();
      depth++;
      this.el.classList.add("over");
    });
    this.el.addEventListener("dragover", (e) => e.preventDefault());
    this.el.addEventListener("dragleave", () => {
      if (--depth <= 0) {
        depth = 0;
        this.el.classList.remove("over");
      }
    });
    this.el.addEventListener("drop", (e) => {
      e.preventDefault();
      depth = 0;
      this.el.classList.remove("over");
      const f = Array.from(e.dataTransfer?.files ?? []).find((x) => x.type.startsWith("image/")) ?? e.dataTransfer?.files[0];
      if (f) void this.send(f, f.name);
    });
    document.addEventListener("paste", (e) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && (t as HTMLInputElement).type === "text") || t.isContentEditable)) return;
      const f = Array.from(e.clipboardData?.files ?? []).find((x) => x.type.startsWith("image/"));
      if (!f) return;
      e.preventDefault();
      void this.send(f, f.name || "pasted.png");
    });
    this.slider.addEventListener("input", () => {
      this.sliderOut.textContent = Number(this.slider.value).toFixed(2);
      this.paintBoxes();
    });
    this.img.addEventListener("load", () => this.draw());
    new ResizeObserver(() => this.draw()).observe(this.img);
  }

  private async send(file: Blob, name: string): Promise<void> {
    if (this.v.status !== "ready") return this.msg.show("This version is not ready to predict yet.");
    this.msg.clear();
    const seq = ++this.seq;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = URL.createObjectURL(file);
    this.preds = [];
    this.img.src = this.url;
    this.stage.hidden = false;
    this.drop.classList.add("compact");
    this.draw();
    replaceChildren(this.results, h("p", { class: "muted small" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Predicting…"));
    this.meta.textContent = "";
    const t0 = performance.now();
    let res: PredictResponse;
    try {
      res = await modelVersions.predict(this.v.id, file, name, hasBoxes(this.v.task) ? { threshold: FLOOR } : { topK: 3 });
    } catch (err) {
      if (seq !== this.seq) return;
      replaceChildren(this.results);
      this.msg.show(errorMessage(err));
      return;
    }
    if (seq !== this.seq) return;
    const ms = Math.round(performance.now() - t0);
    this.meta.textContent = `${res.backend} · ${ms} ms`;
    this.meta.title = "Serving backend, and the round trip from this browser (upload, decode, inference, answer)";
    const preds = res.predictions ?? res.results[0]?.predictions ?? [];
    if (hasBoxes(this.v.task)) {
      this.preds = preds as BoxPrediction[];
      this.paintBoxes();
    } else {
      this.paintClasses(preds as ClassPrediction[]);
    }
  }

  private paintClasses(preds: ClassPrediction[]): void {
    const rest = 1 - preds.reduce((a, p) => a + p.confidence, 0);
    replaceChildren(this.results,
      h("ol", { class: "pred-list" }, preds.map((p, i) => h("li", {
        class: `pred${i === 0 ? " top" : ""}`, "data-testid": "prediction", "data-label": p.label, "data-confidence": String(p.confidence),
      },
      h("span", { class: "pred-label", title: p.label }, p.label),
      h("span", { class: "pred-bar", "aria-hidden": "true" }, h("span", { style: `width:${(Math.max(0, Math.min(1, p.confidence)) * 100).toFixed(1)}%` })),
      h("b", { class: "pred-pct" }, pct(p.confidence))))),
      rest > 0.001 && this.v.classes.length > preds.length
        ? h("p", { class: "muted small" }, `other ${plural(this.v.classes.length - preds.length, "class", "classes")}: ${pct(rest)}`)
        : null);
  }

  private paintBoxes(): void {
    if (!hasBoxes(this.v.task) || !this.url) return;
    const shown = visibleBoxes(this.preds, Number(this.slider.value));
    replaceChildren(this.results,
      h("p", { class: "small", "data-testid": "box-count" }, h("b", null, plural(shown.length, "box", "boxes")), h("span", { class: "muted" }, ` ≥ ${Number(this.slider.value).toFixed(2)} (${this.preds.length} ≥ ${FLOOR})`)),
      h("ol", { class: "box-list" }, shown.map((p) => h("li", { "data-testid": "prediction", "data-label": p.label },
        h("i", { style: `background:${labelColor(p.label)}` }), h("span", { class: "pred-label" }, p.label), h("b", { class: "mono small" }, p.score.toFixed(2))))));
    this.draw();
  }

  /** Redraw the overlay at the image's displayed size (device pixels for sharp lines). */
  private draw(): void {
    const w = this.img.clientWidth;
    const hh = this.img.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(hh * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${hh}px`;
    const g = this.canvas.getContext("2d");
    if (!g || !hasBoxes(this.v.task) || !w || !this.img.naturalWidth) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, hh);
    g.font = "600 11px ui-sans-serif, system-ui, sans-serif";
    const natural = { w: this.img.naturalWidth, h: this.img.naturalHeight };
    for (const p of visibleBoxes(this.preds, Number(this.slider.value)).reverse()) {
      const b = scaleBox(p.box, natural, { w, h: hh });
      const color = labelColor(p.label);
      g.lineWidth = 2;
      if (p.polygon?.length) {
        // A segmenter's outline: filled (holes open), outlined; the tag sits on its box.
        const path = new Path2D();
        for (const ring of scaleRings(p.polygon, natural, { w, h: hh })) {
          ring.forEach(([x, y], i) => (i ? path.lineTo(x, y) : path.moveTo(x, y)));
          path.closePath();
        }
        g.globalAlpha = 0.3;
        g.fillStyle = color;
        g.fill(path, "evenodd");
        g.globalAlpha = 1;
        g.strokeStyle = color;
        g.stroke(path);
      } else {
        g.strokeStyle = "rgba(0,0,0,0.55)";
        g.strokeRect(b.x, b.y, b.w, b.h);
        g.strokeStyle = color;
        g.strokeRect(b.x + 1, b.y + 1, Math.max(0, b.w - 2), Math.max(0, b.h - 2));
      }
      const text = `${p.label} ${p.score.toFixed(2)}`;
      const tag = { w: g.measureText(text).width + 8, h: 16 };
      const at = tagPosition(b, tag, { w, h: hh });
      g.fillStyle = color;
      g.fillRect(at.x, at.y, tag.w, tag.h);
      g.fillStyle = "#0b0d10";
      g.fillText(text, at.x + 4, at.y + 12);
    }
  }
}
