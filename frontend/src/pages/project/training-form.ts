/**
 * "New run" form (managers and owners): task -> architecture -> parameters pre-filled with
 * that architecture's defaults. Only the fields the user changed are sent; the server's
 * validation message is shown next to the form; success opens the run page.
 */
import type { ParamValue, TrainTask } from "../../api/common";
import { errorMessage } from "../../api/http";
import { type Architecture, architectures, type ParamSpec, trainingRuns } from "../../api/runs";
import { h, option, replaceChildren } from "../../lib/dom";
import { runUrl } from "../../lib/urls";
import { messageArea } from "../../ui/toast";
import { dataCheckPanel } from "../widgets/data-check";
import {
  architecturesFor, carryOver, changedParams, defaultsFor, inputText, paramLabel, PARAM_HINTS, parseParam,
  sameValue, splitParams, stepFor,
} from "../widgets/training-params";
import type { ProjectContext } from "./context";
import { initFromField } from "./init-from";
import { sourceField } from "./train-source";
import { workerField } from "./train-worker";

type Raw = Record<string, string | boolean>;

const TASKS: [TrainTask, string][] = [
  ["classify", "Classify (tags)"],
  ["detect", "Detect (boxes)"],
  ["segment", "Segment instances (polygons, masks)"],
  ["semantic", "Segment classes per pixel (polygons, masks)"],
];

export function trainingForm(ctx: ProjectContext): HTMLElement {
  const msg = messageArea();
  const taskSel = h("select", { name: "task", "aria-label": "Task" }, TASKS.map(([v, t]) => option(v, t)));
  const archSel = h("select", { name: "architecture", "aria-label": "Architecture" });
  const archNote = h("p", { class: "muted small arch-note" });
  const grid = h("div", { class: "param-grid" });
  const advGrid = h("div", { class: "param-grid" });
  const advCount = h("span", { class: "muted small" });
  const advanced = h("details", { class: "advanced" }, h("summary", null, "Advanced ", advCount), advGrid);
  const summary = h("p", { class: "muted small diff-summary", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, "Start training");
  const reset = h("button", { type: "button", class: "ghost small", onclick: () => resetAll() }, "Reset to defaults");
  const initFrom = initFromField(ctx.projectId);
  const source = sourceField(ctx.projectId, () => checkData());
  const dataCheck = dataCheckPanel(ctx.projectId);
  const runOn = workerField();
  let dataOk = true;
  const checkData = (): void => {
    void dataCheck.load(taskSel.value as TrainTask, source.value()).then((ok) => {
      if (ok === null) return; // a later check (the task changed again) decides
      dataOk = ok;
      refresh();
    });
  };
  const form = h("form", { class: "card new-run", "data-testid": "new-run-form", novalidate: true },
    h("div", { class: "side-head" }, h("h2", null, "New run"), h("span", { class: "spacer" }), reset),
    h("div", { class: "form-row two" },
      h("label", { class: "field-v" }, h("span", null, "Task"), taskSel),
      h("label", { class: "field-v" }, h("span", null, "Architecture"), archSel)),
    source.el,
    dataCheck.el, archNote, initFrom.el, grid, runOn.el, advanced, msg.el,
    h("div", { class: "actions new-run-actions" }, summary, submit));

  let archs: Architecture[] = [];
  let specs: ParamSpec[] = [];
  let visible: ParamSpec[] = [];
  let defaults: Record<string, ParamValue> = {};
  let raw: Raw = {};
  const fields = new Map<string, { wrap: HTMLElement; read: () => string | boolean; hint: HTMLElement }>();

  const current = (): Architecture | null => archs.find((a) => a.name === archSel.value) ?? null;

  function readAll(): Raw {
    const out: Raw = { ...raw };
    for (const [name, f] of fields) out[name] = f.read();
    return out;
  }

  function fillArchitectures(keep?: string): void {
    const list = architecturesFor(archs, taskSel.value as TrainTask);
    replaceChildren(archSel, list.length ? list.map((a) => option(a.name, a.title || a.name)) : option("", "No architectures for this task"));
    archSel.disabled = !list.length;
    if (keep && list.some((a) => a.name === keep)) archSel.value = keep;
  }

  /** Switch to the selected architecture: untouched fields take its defaults. */
  function applyArchitecture(): void {
    const arch = current();
    initFrom.setArchitecture(arch?.name ?? null);
    const next = defaultsFor(specs, arch);
    raw = carryOver(specs, defaults, next, readAll());
    defaults = next;
    const { primary, advanced: adv } = splitParams(specs, taskSel.value as TrainTask);
    visible = [...primary, ...adv];
    fields.clear();
    replaceChildren(grid, primary.map((s) => field(s, arch)));
    replaceChildren(advGrid, adv.map((s) => field(s, arch)));
    advCount.textContent = `(${adv.length})`;
    archNote.textContent = arch
      ? `${arch.title}. ${arch.weights_file ? "Pretrained torchvision weights available." : "Trains from scratch (no pretrained weights)."}`
      : "";
    refresh();
  }

  function field(spec: ParamSpec, arch: Architecture | null): HTMLElement {
    const value = raw[spec.name] ?? (spec.type === "bool" ? Boolean(defaults[spec.name]) : inputText(defaults[spec.name] ?? null));
    const hint = h("span", { class: "param-hint" });
    let control: HTMLElement;
    let read: () => string | boolean;
    if (spec.type === "bool") {
      const cb = h("input", { type: "checkbox", name: spec.name, checked: value === true || value === "true" });
      if (spec.name === "pretrained" && arch && !arch.weights_file) {
        cb.disabled = true;
        cb.checked = false;
        cb.title = "This architecture has no pretrained weights";
      }
      read = () => cb.checked;
      const wrap = h("label", { class: "check param-check" }, cb, h("span", null, paramLabel(spec.name)), hint);
      fields.set(spec.name, { wrap, read, hint });
      wrap.dataset.param = spec.name;
      return wrap;
    }
    if (spec.choices?.length) {
      const sel = h("select", { name: spec.name, "aria-label": paramLabel(spec.name) }, spec.choices.map((c) => option(c, c)));
      sel.value = String(value);
      if (spec.name === "anchors" && !arch?.takes_anchors) {
        sel.value = "default";
        sel.disabled = true;
        sel.title = "Only RetinaNet and Faster R-CNN have anchors to set";
      }
      control = sel;
      read = () => sel.value;
    } else if (spec.name === "augment") {
      const out = h("output", { class: "mono" });
      const range = h("input", { type: "range", name: spec.name, min: String(spec.min ?? 0), max: String(spec.max ?? 1), step: "0.05", value: String(value) });
      const show = (): void => { out.textContent = Number(range.value).toFixed(2); };
      range.addEventListener("input", show);
      show();
      control = h("span", { class: "range-row" }, range, out);
      read = () => range.value;
    } else {
      const isNum = spec.type === "int" || spec.type === "float";
      const input = h("input", {
        type: isNum ? "number" : "text", name: spec.name, value: String(value), step: isNum ? stepFor(spec) : undefined,
        min: spec.min ?? undefined, max: spec.max ?? undefined, inputmode: spec.type === "int" ? "numeric" : spec.type === "float" ? "decimal" : undefined,
        list: spec.name === "device" ? "device-options" : undefined, autocomplete: "off", spellcheck: "false",
      });
      control = input;
      read = () => input.value;
    }
    const wrap = h("label", { class: "field-v param", "data-param": spec.name },
      h("span", { class: "param-head" }, h("span", { class: "param-name" }, paramLabel(spec.name)), hint), control);
    fields.set(spec.name, { wrap, read, hint });
    return wrap;
  }

  /** Mark changed fields, show their defaults, and say what will be sent. */
  function refresh(): void {
    const now = readAll();
    const changed: string[] = [];
    for (const spec of visible) {
      const f = fields.get(spec.name);
      if (!f) continue;
      const parsed = parseParam(spec, now[spec.name] ?? "");
      const def = defaults[spec.name] ?? null;
      const isChanged = !parsed.ok || !sameValue(spec, parsed.value, def);
      f.wrap.classList.toggle("changed", isChanged);
      f.wrap.classList.toggle("invalid", !parsed.ok);
      if (isChanged) changed.push(spec.name);
      const help = PARAM_HINTS[spec.name];
      const defText = spec.type === "bool" ? (def ? "on" : "off") : def === "default" ? "torchvision's" : inputText(def) || "–";
      f.hint.textContent = isChanged ? `default ${defText}` : "";
      f.wrap.title = help ? `${paramLabel(spec.name)}: ${help}` : "";
    }
    const arch = current();
    summary.textContent = !arch ? "" : changed.length
      ? `Sends ${changed.length} changed parameter${changed.length === 1 ? "" : "s"} (${changed.join(", ")}); the rest use ${arch.name}'s defaults.`
      : `Uses ${arch.name}'s defaults.`;
    const advChanged = changed.filter((n) => advGrid.querySelector(`[data-param="${n}"]`)).length;
    advCount.textContent = `(${advGrid.children.length}${advChanged ? `, ${advChanged} changed` : ""})`;
    submit.disabled = !arch || !dataOk;
    submit.title = dataOk ? "" : "Fix the data problems above first";
  }

  function resetAll(): void {
    raw = {};
    fields.clear();
    const arch = current();
    defaults = defaultsFor(specs, arch);
    applyArchitecture();
    msg.clear();
  }

  taskSel.addEventListener("change", () => {
    source.setTask(taskSel.value as TrainTask);
    fillArchitectures();
    applyArchitecture();
    checkData();
  });
  archSel.addEventListener("change", () => applyArchitecture());
  // "Fine-tune" on a version page: switch to its task and architecture once both lists are in.
  let wantArch: string | null = null;
  const applyWanted = (): void => {
    const want = archs.find((a) => a.name === wantArch);
    if (!want) return;
    wantArch = null;
    taskSel.value = want.task;
    source.setTask(want.task);
    fillArchitectures(want.name);
    applyArchitecture();
    checkData();
  };
  form.addEventListener("want-arch", (e) => {
    wantArch = (e as CustomEvent<string>).detail;
    applyWanted();
  });
  form.addEventListener("input", (e) => {
    if (e.target !== taskSel && e.target !== archSel) refresh();
  });
  form.addEventListener("change", (e) => {
    if (e.target !== taskSel && e.target !== archSel) refresh();
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const arch = current();
    if (!arch) return msg.show("Pick an architecture.");
    const now = readAll();
    const visibleRaw = Object.fromEntries(visible.filter((s) => fields.has(s.name)).map((s) => [s.name, now[s.name]!]));
    const diff = changedParams(visible, defaults, visibleRaw);
    if (!diff.ok) return msg.show(diff.errors.join(" "));
    submit.disabled = true;
    submit.textContent = "Starting…";
    try {
      const params = runOn.value() ? { ...diff.params, worker: runOn.value() } : diff.params;
      const run = await trainingRuns.create(ctx.projectId, { task: arch.task, architecture: arch.name, params, init_from: initFrom.value(), ...source.value() });
      window.location.href = runUrl(ctx.projectId, run.id);
    } catch (err) {
      msg.show(errorMessage(err));
      submit.disabled = false;
      submit.textContent = "Start training";
    }
  });

  replaceChildren(grid, h("p", { class: "muted small" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading architectures…"));
  submit.disabled = true;
  architectures.list().then(
    (res) => {
      archs = res.results ?? [];
      specs = res.params ?? [];
      const firstTask = archs.some((a) => a.task === "classify") ? "classify" : archs[0]?.task ?? "classify";
      taskSel.value = firstTask;
      source.setTask(firstTask);
      for (const o of Array.from(taskSel.options)) o.disabled = !archs.some((a) => a.task === o.value);
      fillArchitectures();
      defaults = defaultsFor(specs, current());
      applyArchitecture();
      applyWanted();
      checkData();
    },
    (err) => {
      replaceChildren(grid);
      msg.show(`Could not load architectures: ${errorMessage(err)}`);
    },
  );

  return h("div", { class: "new-run-wrap" }, form,
    h("datalist", { id: "device-options" }, ["auto", "cpu", "cuda", "cuda:0", "cuda:1"].map((d) => option(d, d))));
}
