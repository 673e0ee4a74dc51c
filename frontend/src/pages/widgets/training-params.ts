/**
 * The "New run" form's logic without the DOM: which parameters go in the grid and which
 * behind "Advanced", each field's default for an architecture, parsing what was typed, and
 * the diff that is sent (only the fields the user changed).
 */
import type { ParamValue, TrainTask } from "../../api/common";
import type { Architecture, ParamSpec } from "../../api/runs";

/** Shown in the main grid, in this order; every other param goes under "Advanced". */
const PRIMARY_PARAMS = [
  "epochs", "batch_size", "image_size", "optimizer", "lr", "weight_decay", "schedule",
  "warmup_epochs", "label_smoothing", "augment", "seed", "device", "gpus", "pretrained",
] as const;

const PARAM_LABELS: Record<string, string> = {
  epochs: "Epochs",
  batch_size: "Batch size",
  image_size: "Image size (px)",
  optimizer: "Optimizer",
  lr: "Learning rate",
  momentum: "Momentum",
  nesterov: "Nesterov momentum (SGD)",
  weight_decay: "Weight decay",
  schedule: "LR schedule",
  warmup_epochs: "Warmup epochs",
  step_size: "Step size (epochs)",
  gamma: "Step decay γ",
  label_smoothing: "Label smoothing",
  augment: "Augmentation",
  seed: "Seed",
  device: "Device",
  gpus: "GPUs (processes)",
  amp: "Mixed precision (bf16)",
  channels_last: "Channels-last memory",
  compile: "torch.compile",
  pretrained: "Start from pretrained torchvision weights",
  num_workers: "Data loader workers",
  checkpoint_every: "Checkpoint every (steps)",
  cache: "Image cache",
  score_threshold: "Eval score threshold",
};

export const PARAM_HINTS: Record<string, string> = {
  device: "auto, cpu, cuda or cuda:N",
  gpus: "one process per GPU; each step's batch is split across them",
  augment: "0 = none … 1 = strong",
  checkpoint_every: "0 = at the end of each epoch",
  cache: "decoded images kept in memory",
  num_workers: "-1 = from the host's cores",
  score_threshold: "detectors: boxes kept for evaluation",
  anchors: "data: the project's box shapes (Dataset tab); RetinaNet and Faster R-CNN",
};

/** Params that only mean something for one task. */
const TASK_ONLY: Record<string, TrainTask> = { score_threshold: "detect", label_smoothing: "classify", anchors: "detect" };

export function paramLabel(name: string): string {
  return PARAM_LABELS[name] ?? name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

export function splitParams(specs: readonly ParamSpec[], task: TrainTask): { primary: ParamSpec[]; advanced: ParamSpec[] } {
  const usable = specs.filter((s) => !TASK_ONLY[s.name] || TASK_ONLY[s.name] === task);
  const order = PRIMARY_PARAMS as readonly string[];
  const primary = usable.filter((s) => order.includes(s.name)).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const advanced = usable.filter((s) => !order.includes(s.name));
  return { primary, advanced };
}

export function architecturesFor(list: readonly Architecture[], task: TrainTask): Architecture[] {
  return list.filter((a) => a.task === task);
}

/** The value a field starts with: the architecture's default, else the config's default. */
export function defaultFor(spec: ParamSpec, arch: Architecture | null): ParamValue {
  const d = arch?.defaults && spec.name in arch.defaults ? arch.defaults[spec.name]! : spec.default;
  if (spec.type === "bool") return d === true || (typeof d === "string" && d !== "");
  return d;
}

export function defaultsFor(specs: readonly ParamSpec[], arch: Architecture | null): Record<string, ParamValue> {
  return Object.fromEntries(specs.map((s) => [s.name, defaultFor(s, arch)]));
}

/** A default as the text of its input ("" for null). */
export function inputText(value: ParamValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  return String(value);
}

export type Parsed = { ok: true; value: ParamValue } | { ok: false; error: string };

/** What the user typed, as the type the API expects. Range checks are the server's job. */
export function parseParam(spec: ParamSpec, raw: string | boolean): Parsed {
  if (spec.type === "bool") return { ok: true, value: raw === true || raw === "true" || raw === "on" };
  const text = String(raw).trim();
  if (spec.type === "str") return { ok: true, value: text };
  if (text === "") return { ok: false, error: `${spec.name}: enter a number.` };
  const n = Number(text);
  if (!Number.isFinite(n)) return { ok: false, error: `${spec.name}: "${text}" is not a number.` };
  if (spec.type === "int" && !Number.isInteger(n)) return { ok: false, error: `${spec.name}: must be a whole number.` };
  return { ok: true, value: n };
}

export function sameValue(spec: ParamSpec, a: ParamValue, b: ParamValue): boolean {
  if (spec.type === "int" || spec.type === "float") {
    if (a === null || b === null || a === "" || b === "") return a === b;
    return Number(a) === Number(b);
  }
  if (spec.type === "bool") return Boolean(a) === Boolean(b);
  return (a ?? "") === (b ?? "");
}

export type DiffResult = { ok: true; params: Record<string, ParamValue> } | { ok: false; errors: string[] };

/** Only the fields whose parsed value differs from the architecture's default. */
export function changedParams(
  specs: readonly ParamSpec[],
  defaults: Record<string, ParamValue>,
  raw: Record<string, string | boolean>,
): DiffResult {
  const params: Record<string, ParamValue> = {};
  const errors: string[] = [];
  for (const spec of specs) {
    if (!(spec.name in raw)) continue;
    const parsed = parseParam(spec, raw[spec.name]!);
    if (!parsed.ok) {
      errors.push(parsed.error);
      continue;
    }
    if (!sameValue(spec, parsed.value, defaults[spec.name] ?? null)) params[spec.name] = parsed.value;
  }
  return errors.length ? { ok: false, errors } : { ok: true, params };
}

/**
 * After switching architecture: fields still at the old default take the new default,
 * fields the user edited keep their value.
 */
export function carryOver(
  specs: readonly ParamSpec[],
  oldDefaults: Record<string, ParamValue>,
  newDefaults: Record<string, ParamValue>,
  raw: Record<string, string | boolean>,
): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const spec of specs) {
    const cur = raw[spec.name];
    const fresh = newDefaults[spec.name] ?? null;
    const freshRaw = spec.type === "bool" ? Boolean(fresh) : inputText(fresh);
    if (cur === undefined) {
      out[spec.name] = freshRaw;
      continue;
    }
    const parsed = parseParam(spec, cur);
    const untouched = parsed.ok && sameValue(spec, parsed.value, oldDefaults[spec.name] ?? null);
    out[spec.name] = untouched ? freshRaw : cur;
  }
  return out;
}

/** A sensible step for a number input: 1 for ints, finer for small floats. */
export function stepFor(spec: ParamSpec): string {
  if (spec.type === "int") return "1";
  if (spec.name === "augment" || spec.name === "label_smoothing" || spec.name === "gamma" || spec.name === "score_threshold") return "0.05";
  return "any";
}

/** Params in the form's order first, then the rest alphabetically. */
export function orderedParams(params: Record<string, unknown>): [string, unknown][] {
  const order = PRIMARY_PARAMS as readonly string[];
  return Object.entries(params).sort(([a], [b]) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib);
    return a.localeCompare(b);
  });
}
