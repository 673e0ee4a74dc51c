/**
 * The Team tab's consensus card (reviewers and managers): the images out to several
 * annotators blind, who has submitted, and how far they agree. Opening one draws every
 * annotator's boxes, polygons and masks over the image in their colour with the merge on top
 * (polygons filled even-odd so holes stay open, masks decoded into tinted bitmaps), lists the
 * tag votes, and merges into the image's labels once the reviewer confirms (the labels it
 * replaces stay in the image's history). Managers send images from the Images tab's Assign
 * panel. Refreshes when a batch changes (an annotator submits).
 */
import { errorMessage } from "../../api/http";
import { type BoxVote, type ConsensusDetail, type ConsensusRow, type ShapeVote, quality } from "../../api/quality";
import { avatarColor } from "../../labeller/realtime/presence";
import { rleDecode } from "../../labeller/shapes/rle";
import { h, option, replaceChildren, svg } from "../../lib/dom";
import { percent, plural } from "../../lib/format";
import { agreementColor, tagRows } from "../../lib/quality";
import type { ProjectContext } from "./context";

const MERGED = "#ffffff";
/** Annotators' colours in the comparison, by their order: far apart, on dark and light. */
const PALETTE = ["#f59e0b", "#22d3ee", "#a3e635", "#f472b6", "#a78bfa", "#fb7185", "#34d399", "#facc15"];
const colourOf = (d: ConsensusDetail, username: string): string =>
  PALETTE[Math.max(0, d.annotators.findIndex((a) => a.username === username)) % PALETTE.length]!;

function rect(b: BoxVote, colour: string, cls: string): SVGRectElement {
  const r = svg("rect", { x: b.box.x, y: b.box.y, width: b.box.w, height: b.box.h, stroke: colour, class: cls, "data-testid": cls });
  const title = svg("title", {});
  title.textContent = `${b.label}${b.votes ? ` (${b.votes} votes)` : ""}`;
  r.appendChild(title);
  return r;
}

const SHAPE_FILL = 0.18;
const MASK_OPACITY = 0.45;
const SHADOW = "drop-shadow(0 0 1.5px rgba(0, 0, 0, 0.95))";

/** A mask as a data URL of an image-sized bitmap: its pixels in `colour`, the rest clear. */
function maskImage(mask: NonNullable<ShapeVote["mask"]>, colour: string): string | null {
  let pixels: Uint8Array;
  try {
    pixels = rleDecode(mask);
  } catch {
    return null; // the server checks masks; a broken one is not drawn
  }
  const [height, width] = mask.size;
  const canvas = document.createElement("canvas");
  Object.assign(canvas, { width, height });
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  const image = ctx.createImageData(width, height);
  const n = parseInt(colour.slice(1), 16);
  for (let i = 0; i < pixels.length; i++) {
    if (!pixels[i]) continue;
    image.data.set([(n >> 16) & 255, (n >> 8) & 255, n & 255, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
  return canvas.toDataURL();
}

/** A polygon (filled even-odd, outlined) or a mask (tinted pixels) in image coordinates. */
function shape(s: ShapeVote, colour: string, cls: string, merged: boolean): SVGElement | null {
  let el: SVGElement;
  if (s.kind === "polygon" && s.polygon) {
    const d = s.polygon.map((ring) => `M${ring.map(([x, y]) => `${x} ${y}`).join("L")}Z`).join("");
    el = svg("path", { d, fill: colour, "fill-opacity": merged ? 0.1 : SHAPE_FILL, "fill-rule": "evenodd", stroke: colour,
      "stroke-width": merged ? 2.5 : 2, "vector-effect": "non-scaling-stroke", ...(merged ? {} : { "stroke-dasharray": "6 3" }) });
  } else if (s.mask) {
    const href = maskImage(s.mask, colour);
    if (!href) return null;
    el = svg("image", { href, x: 0, y: 0, width: s.mask.size[1], height: s.mask.size[0], preserveAspectRatio: "none",
      opacity: MASK_OPACITY });
    el.style.imageRendering = "pixelated";
  } else return null;
  if (merged) el.style.filter = SHADOW; // through the CSSOM: the CSP refuses style attributes
  el.setAttribute("class", cls);
  el.setAttribute("data-testid", cls);
  el.setAttribute("data-kind", s.kind);
  const title = svg("title", {});
  title.textContent = `${s.label} (${s.kind}${s.votes ? `, ${s.votes} votes` : ""})`;
  el.appendChild(title);
  return el;
}

const shapesOf = (a: { shapes?: ShapeVote[] }): ShapeVote[] => a.shapes ?? [];

function counted(boxes: number, shapes: number): string {
  return shapes ? `${plural(boxes, "box", "boxes")}, ${plural(shapes, "shape")}` : plural(boxes, "box", "boxes");
}

/** The image with each annotator's shapes and boxes (dashed, their colour) and the merge's
 * (solid white): masks first, then polygons, then boxes, so outlines stay on top. */
function overlay(d: ConsensusDetail, shown: Set<string>): HTMLElement {
  const pic = svg("svg", { viewBox: `0 0 ${d.width} ${d.height}`, preserveAspectRatio: "none", class: "consensus-boxes" });
  const people = d.annotators.filter((a) => shown.has(a.username));
  const layers: [ShapeVote, string, string, boolean][] = [
    ...people.flatMap((a) => shapesOf(a).map((s): [ShapeVote, string, string, boolean] => [s, colourOf(d, a.username), "consensus-shape", false])),
    ...(shown.has("") ? shapesOf(d.merged).map((s): [ShapeVote, string, string, boolean] => [s, MERGED, "consensus-merged-shape", true]) : []),
  ];
  for (const kind of ["mask", "polygon"]) {
    for (const [s, colour, cls, merged] of layers) {
      if (s.kind !== kind) continue;
      const el = shape(s, colour, cls, merged);
      if (el) pic.appendChild(el);
    }
  }
  for (const a of people) {
    for (const b of a.boxes) pic.appendChild(rect(b, colourOf(d, a.username), "consensus-box"));
  }
  if (shown.has("")) for (const b of d.merged.boxes) pic.appendChild(rect(b, MERGED, "consensus-merged"));
  return h("div", { class: "consensus-figure", style: `aspect-ratio:${d.width}/${d.height}` },
    h("img", { src: `/api/v1/images/${d.image}/file/`, alt: d.filename }), pic);
}

export class ConsensusCard {
  readonly el: HTMLElement;
  private readonly list = h("tbody");
  private readonly view = h("div", { class: "consensus-view", hidden: true, "data-testid": "consensus-view" });
  private readonly msg = h("p", { class: "msg", role: "status", hidden: true });
  private openId: number | null = null;

  constructor(private readonly ctx: ProjectContext) {
    this.el = h("section", { class: "team-chart-card consensus-card", "data-testid": "consensus-card" },
      h("h3", null, "Consensus"),
      h("p", { class: "muted small" }, "Images sent to several annotators, who label them without seeing each other's work (managers send them from the Images tab's Assign panel). Once two have submitted, open one to compare and merge: a tag is kept by majority, boxes that overlap (IoU 0.5) are fused into their mean, polygons and masks that overlap (mask IoU 0.5) by a pixel vote."),
      this.msg,
      h("table", { class: "team-table consensus-table", "data-testid": "consensus-table" },
        h("thead", null, h("tr", null, ["Image", "Annotators", "Submitted", "Agreement", ""].map((t) => h("th", null, t)))),
        this.list),
      this.view);
    ctx.socket.on("batch.changed", () => { if (!this.el.hidden) void this.load(); });
  }

  async load(): Promise<void> {
    try {
      const rows = (await quality.consensus(this.ctx.projectId)).results;
      replaceChildren(this.list, rows.length ? rows.map((r) => this.row(r))
        : h("tr", null, h("td", { colspan: "5", class: "muted" }, "No image is out for consensus.")));
      if (this.openId !== null) await this.open(this.openId);
    } catch (err) {
      this.say(`Could not load the consensus images: ${errorMessage(err)}`, true);
    }
  }

  private say(text: string, error = false): void {
    Object.assign(this.msg, { hidden: false, textContent: text, className: `msg ${error ? "msg-error" : "msg-ok"}` });
  }

  private row(r: ConsensusRow): HTMLElement {
    const people = r.annotators.map((a) => h("span", { class: `consensus-person${a.submitted ? " done" : ""}`, title: a.submitted ? "Submitted" : "Still labelling" },
      h("i", { style: `background:${avatarColor(a.username)}` }), a.username, a.submitted ? " ✓" : " …"));
    const agreement = r.agreement === null ? h("span", { class: "muted" }, "—")
      : h("span", { class: "consensus-agreement", style: `background:${agreementColor(r.agreement)}` }, percent(r.agreement));
    const open = h("button", { type: "button", class: "secondary small", disabled: r.submitted < 2, "data-testid": "consensus-open",
      title: r.submitted < 2 ? "Two annotators need to submit first" : "", onclick: () => void this.open(r.image) }, "Compare & merge");
    return h("tr", { "data-image": String(r.image), "data-testid": "consensus-row" },
      h("td", null, h("img", { class: "consensus-thumb", src: `/api/v1/images/${r.image}/thumbnail/`, alt: "", loading: "lazy" }), r.filename),
      h("td", null, people), h("td", { class: "num" }, `${r.submitted} / ${r.annotators.length}`), h("td", { class: "num" }, agreement),
      h("td", null, open));
  }

  private async open(imageId: number, quorum?: number): Promise<void> {
    try {
      const d = await quality.detail(imageId, quorum);
      this.openId = imageId;
      this.render(d);
    } catch (err) {
      this.say(errorMessage(err), true);
    }
  }

  private render(d: ConsensusDetail): void {
    const shown = new Set(["", ...d.annotators.filter((a) => a.submitted).map((a) => a.username)]);
    const figure = h("div", null, overlay(d, shown));
    const toggle = (name: string, text: string, colour: string, cls = ""): HTMLElement => {
      const box = h("input", { type: "checkbox", checked: true, onchange: () => {
        if (box.checked) shown.add(name); else shown.delete(name);
        replaceChildren(figure, overlay(d, shown));
      } });
      return h("label", { class: `consensus-toggle ${cls}` }, box, h("i", { style: `border-color:${colour}` }), text);
    };
    const legend = h("div", { class: "consensus-legend" },
      d.annotators.filter((a) => a.submitted).map((a) => toggle(a.username, `${a.username} (${counted(a.boxes.length, shapesOf(a).length)})`, colourOf(d, a.username))),
      toggle("", `Merged (${counted(d.merged.boxes.length, shapesOf(d.merged).length)})`, MERGED, "merged"));
    const mergedShapes = shapesOf(d.merged);
    const anyShapes = mergedShapes.length > 0 || d.merged.left_out_shapes > 0 || d.annotators.some((a) => shapesOf(a).length > 0);
    const quorum = h("select", { "aria-label": "Votes needed", "data-testid": "consensus-quorum" },
      Array.from({ length: d.submitted }, (_, i) => option(String(i + 1), `${i + 1} of ${d.submitted}`, i + 1 === d.quorum)));
    quorum.addEventListener("change", () => void this.open(d.image, Number(quorum.value)));
    const tags = tagRows(d);
    const merge = h("button", { type: "button", class: "primary", "data-testid": "consensus-merge", onclick: () => void this.merge(d, Number(quorum.value), merge) }, "Merge into the labels");
    replaceChildren(this.view,
      h("div", { class: "consensus-head" },
        h("h4", null, d.filename),
        h("span", { class: "muted" }, `${d.submitted} of ${d.annotators.length} submitted · agreement ${d.agreement === null ? "—" : percent(d.agreement)}`),
        h("span", { class: "spacer" }),
        h("button", { type: "button", class: "secondary small", onclick: () => { this.openId = null; this.view.hidden = true; } }, "Close")),
      h("div", { class: "consensus-body" },
        h("div", null, figure, legend),
        h("div", { class: "consensus-side" },
          h("h5", null, "Tags"),
          tags.length ? h("table", { class: "batch-table", "data-testid": "consensus-tags" },
            h("tbody", null, tags.map((t) => h("tr", { class: t.kept ? "kept" : "dropped" },
              h("td", null, t.kept ? "✓ " : "✗ ", t.label), h("td", { class: "num" }, `${t.votes} / ${d.submitted}`),
              h("td", { class: "muted small" }, t.by.join(", "))))))
            : h("p", { class: "muted small" }, "Nobody gave a tag."),
          h("h5", null, "Boxes"),
          h("p", { class: "small" }, `${plural(d.merged.boxes.length, "box", "boxes")} kept`,
            d.merged.left_out_boxes ? `, ${plural(d.merged.left_out_boxes, "box", "boxes")} left out (too few drew them)` : ""),
          anyShapes ? [
            h("h5", null, "Polygons and masks"),
            h("p", { class: "small", "data-testid": "consensus-shapes" }, `${plural(mergedShapes.length, "shape")} kept`,
              mergedShapes.length ? ` (${mergedShapes.map((s) => `${s.label}: ${s.kind}, ${s.votes} votes, mean IoU ${s.mean_iou === null || s.mean_iou === undefined ? "—" : percent(s.mean_iou)}`).join("; ")})` : "",
              d.merged.left_out_shapes ? `, ${plural(d.merged.left_out_shapes, "shape")} left out (too few drew them)` : ""),
            h("p", { class: "muted small" }, "Shapes that overlap (mask IoU 0.5) are merged pixel by pixel: a pixel is kept when more than half of them cover it (or the votes needed). All polygons give a polygon, otherwise a mask."),
          ] : null,
          h("label", { class: "consensus-quorum" }, "Votes needed ", quorum),
          h("p", { class: "muted small" }, d.current_labels ? `Replaces the image's ${plural(d.current_labels, "label")} (kept in its history) and marks it done.` : "The image has no labels yet; the merge becomes them and marks it done."),
          merge)));
    this.view.hidden = false;
  }

  private async merge(d: ConsensusDetail, quorum: number, button: HTMLButtonElement): Promise<void> {
    const shapes = shapesOf(d.merged).length;
    const what = `${plural(d.merged.tags.length, "tag")}${shapes ? ", " : " and "}${plural(d.merged.boxes.length, "box", "boxes")}${shapes ? ` and ${plural(shapes, "shape")}` : ""}`;
    if (!window.confirm(`Merge ${what} into the labels of ${d.filename}?`)) return;
    button.disabled = true;
    try {
      const done = await quality.merge(d.image, quorum);
      this.openId = null;
      this.view.hidden = true;
      const made = done.shapes ? `${plural(done.tags, "tag")}, ${plural(done.boxes, "box", "boxes")} and ${plural(done.shapes, "shape")}` : `${plural(done.tags, "tag")} and ${plural(done.boxes, "box", "boxes")}`;
      this.say(`${d.filename}: merged ${made} from ${done.annotators.join(", ")}${done.removed ? `, replacing ${plural(done.removed, "label")}` : ""}. Undo from the image's history in the labeller.`);
      await this.load();
    } catch (err) {
      this.say(errorMessage(err), true);
      button.disabled = false;
    }
  }
}
