/** The "?" overlay listing every shortcut ([data-testid=shortcuts]). */
import { h } from "../../lib/dom";

const GROUPS: [string, [string[], string][]][] = [
  ["Tools", [
    [["V"], "Select, move and resize"],
    [["B"], "Draw boxes"],
    [["W"], "Outline an object: drag a box around it, click to add, Alt+click to take away, Enter makes it"],
    [["P"], "Draw a polygon (click the first point or Enter closes it, Backspace takes a point back)"],
    [["K"], "Brush: paint into the selected mask, or a new one"],
    [["E"], "Eraser: take pixels away from the selected mask"],
    [["[", "]"], "Brush and eraser smaller / larger"],
    [["Space", "drag"], "Pan (also middle button, or drag empty space with Select)"],
    [["Esc"], "Cancel drawing / clear selection"],
  ]],
  ["Edit", [
    [["Del"], "Delete the selected box (also Backspace)"],
    [["Drag"], "Selected polygon: move a point, or a mid-edge dot to add one (Alt+click takes a point away)"],
    [["X"], "Selected polygon to a mask, or mask to polygons"],
    [["1–9"], "Selected box: change its label · nothing selected: toggle that tag"],
    [["Shift", "1–9"], "Choose the label for new boxes"],
    [["Ctrl", "Z"], "Undo"],
    [["Ctrl", "Shift", "Z"], "Redo (also Ctrl+Y)"],
  ]],
  ["View", [
    [["Wheel"], "Zoom around the pointer"],
    [["+", "−"], "Zoom in / out"],
    [["F"], "Fit to screen (also 0)"],
  ]],
  ["Images", [
    [["D"], "Next image (also →)"],
    [["A"], "Previous image (also ←)"],
    [["N"], "Next unlabelled image"],
    [["M"], "Mark done and go to the next (also Ctrl+Enter)"],
    [["G"], "Toggle gold (managers and owners)"],
    [["?"], "This help"],
  ]],
  ["Review predictions", [
    [["Shift", "R"], "Review mode on / off (also the Review button)"],
    [["A"], "Accept the current prediction (also Enter)"],
    [["R"], "Reject it: it disappears (also Del on a prediction)"],
    [["Tab"], "Next pending prediction (Shift+Tab: previous)"],
    [["1–9"], "Fix the selected prediction’s label (drag or resize fixes a box) · nothing selected: accept that predicted tag"],
    [["Shift", "A"], "Accept all at or above the score slider"],
    [["N"], "Next image with pending predictions, most uncertain first"],
    [["←", "→"], "Previous / next image (A and N are review keys here)"],
  ]],
  ["Review people's work (reviewers, on an image waiting for review)", [
    [["I"], "Pin an issue: click where something needs fixing, then say what"],
    [["Enter"], "Done writing the issue"],
  ]],
];

export class ShortcutsOverlay {
  readonly el: HTMLElement;

  constructor() {
    const close = h("button", { type: "button", class: "icon", "aria-label": "Close", onclick: () => this.hide() }, "✕");
    this.el = h("div", { class: "shortcuts-backdrop", hidden: true, onclick: (e: Event) => { if (e.target === this.el) this.hide(); } },
      h("div", { class: "shortcuts", role: "dialog", "aria-modal": "true", "aria-label": "Keyboard shortcuts", "data-testid": "shortcuts" },
        h("header", null, h("h2", null, "Keyboard shortcuts"), close),
        h("div", { class: "shortcut-groups" }, GROUPS.map(([title, rows]) =>
          h("section", null, h("h4", null, title),
            h("dl", null, rows.map(([keys, text]) => [
              h("dt", null, keys.map((k, i) => [i ? h("span", { class: "plus" }, "+") : null, h("kbd", null, k)])),
              h("dd", null, text),
            ]))))),
        h("p", { class: "muted small" }, "Every change saves itself. Shortcuts stay quiet while you type in a field."),
      ));
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  toggle(): void {
    if (this.open) this.hide();
    else this.show();
  }

  show(): void {
    this.el.hidden = false;
  }

  hide(): void {
    this.el.hidden = true;
  }
}
