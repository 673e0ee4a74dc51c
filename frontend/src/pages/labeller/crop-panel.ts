/**
 * The Transform panel beside the crop tool's region: a live preview of the region turned by
 * the angle (slider or number, ±45°; counter-clockwise straightens an object tilted
 * clockwise), and "Create image", which makes it a new image of the project with the boxes
 * inside. Enter creates, Esc (the tool's cancel) closes.
 */
import type { Box } from "../../api/annotations";
import { errorMessage } from "../../api/http";
import { images, type Image } from "../../api/images";
import { h, replaceChildren } from "../../lib/dom";

const PREVIEW = 220; // px: the preview's longer side

export interface CropPanelDeps {
  projectId: number;
  image: () => Image | null;
  /** Drop the region (the crop tool's cancel). */
  close: () => void;
  /** The image's boxes, drawn turned in the preview. */
  boxes: () => Box[];
}

export class CropPanel {
  readonly el: HTMLElement;
  private box: Box | null = null;
  private source: HTMLImageElement | null = null;
  private readonly canvas = h("canvas", { class: "crop-preview", "data-testid": "crop-preview" });
  private readonly slider = h("input", { type: "range", min: "-45", max: "45", step: "0.5", value: "0", "aria-label": "Turn (degrees, counter-clockwise)", "data-testid": "crop-angle" });
  private readonly number = h("input", { type: "number", min: "-45", max: "45", step: "0.5", value: "0", class: "num", "aria-label": "Turn in degrees" });
  private readonly size = h("span", { class: "muted small" });
  private readonly out = h("div", { class: "crop-result", "aria-live": "polite" });
  private readonly create = h("button", { type: "button", class: "primary", "data-testid": "crop-create" }, "Create image");

  constructor(private readonly d: CropPanelDeps) {
    this.el = h("section", { class: "crop-panel card", hidden: true, "data-testid": "crop-panel", "aria-label": "Crop into a new image" },
      h("div", { class: "crop-head" }, h("strong", null, "Crop into a new image"), this.size),
      this.canvas,
      h("label", { class: "crop-angle" }, "Turn ", this.slider, this.number, "°"),
      h("div", { class: "crop-actions" }, this.create, h("button", { type: "button", class: "ghost", onclick: () => d.close() }, "Cancel")),
      h("p", { class: "muted small" }, "The boxes inside go with it (clipped); the new image links back to this one."),
      this.out);
    const setAngle = (v: string): void => {
      const a = Math.max(-45, Math.min(45, Number(v) || 0));
      this.slider.value = this.number.value = String(a);
      this.draw();
    };
    this.slider.addEventListener("input", () => setAngle(this.slider.value));
    this.number.addEventListener("change", () => setAngle(this.number.value));
    this.create.addEventListener("click", () => void this.submit());
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); void this.submit(); }
    });
  }

  get angle(): number {
    return Number(this.slider.value) || 0;
  }

  open(box: Box): void {
    this.box = box;
    this.el.hidden = false;
    replaceChildren(this.out);
    this.size.textContent = `${Math.round(box.w)} × ${Math.round(box.h)} px`;
    const image = this.d.image();
    if (image && this.source?.dataset.src !== image.file) {
      this.source = new window.Image();
      this.source.dataset.src = image.file;
      this.source.onload = () => this.draw();
      this.source.src = image.file;
    }
    this.draw();
  }

  close(): void {
    this.box = null;
    this.el.hidden = true;
  }

  private draw(): void {
    const b = this.box;
    if (!b) return;
    const s = PREVIEW / Math.max(b.w, b.h);
    this.canvas.width = Math.max(1, Math.round(b.w * s));
    this.canvas.height = Math.max(1, Math.round(b.h * s));
    const g = this.canvas.getContext("2d");
    if (!g) return;
    g.fillStyle = "#000";
    g.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.source?.complete || !this.source.naturalWidth) return;
    const cx = b.x + b.w / 2, cy = b.y + b.h / 2;
    g.save();
    g.scale(s, s);
    g.translate(cx - b.x, cy - b.y);
    g.rotate((-this.angle * Math.PI) / 180); // canvas turns clockwise; the server counter-clockwise
    g.translate(-cx, -cy);
    g.drawImage(this.source, 0, 0);
    g.strokeStyle = "#4cc38a";
    g.lineWidth = 1.5 / s;
    for (const box of this.d.boxes()) g.strokeRect(box.x, box.y, box.w, box.h);
    g.restore();
  }

  private async submit(): Promise<void> {
    const b = this.box, image = this.d.image();
    if (!b || !image || this.create.disabled) return;
    this.create.disabled = true;
    try {
      const made = await images.crop(image.id, { ...b, angle: this.angle });
      replaceChildren(this.out, h("p", { class: "msg msg-ok", "data-testid": "crop-made" }, "Image ready: ",
        h("a", { href: `/projects/${this.d.projectId}/label/${made.id}/`, class: "link" }, made.filename)));
    } catch (err) {
      replaceChildren(this.out, h("p", { class: "msg msg-error" }, errorMessage(err)));
    } finally {
      this.create.disabled = false;
    }
  }
}
