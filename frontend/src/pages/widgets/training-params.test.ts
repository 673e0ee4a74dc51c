import { describe, expect, it } from "vitest";
import type { Architecture, ParamSpec } from "../../api/runs";
import {
  architecturesFor, carryOver, changedParams, defaultFor, defaultsFor, inputText, orderedParams, parseParam, splitParams,
} from "./training-params";

const spec = (name: string, type: ParamSpec["type"], def: ParamSpec["default"], choices: string[] | null = null): ParamSpec =>
  ({ name, type, default: def, choices, min: null, max: null });

const SPECS: ParamSpec[] = [
  spec("epochs", "int", 10), spec("batch_size", "int", 64), spec("lr", "float", 0.1), spec("optimizer", "str", "sgd", ["sgd", "adamw"]),
  spec("augment", "float", 0.5), spec("pretrained", "bool", false), spec("device", "str", "auto"), spec("amp", "bool", true),
  spec("momentum", "float", 0.9), spec("label_smoothing", "float", 0), spec("score_threshold", "float", 0.05),
];
const RESNET20: Architecture = { name: "resnet20", task: "classify", title: "ResNet-20", defaults: { epochs: 30, batch_size: 128, lr: 0.1 }, weights_file: null };
const RESNET18: Architecture = { name: "resnet18", task: "classify", title: "ResNet-18", defaults: { epochs: 30, batch_size: 64, lr: 0.1, weight_decay: 1e-4 }, weights_file: "r18.pth" };
const FCOS: Architecture = { name: "fcos", task: "detect", title: "FCOS", defaults: { optimizer: "adamw", lr: 1e-4 }, weights_file: "f.pth" };

describe("training params", () => {
  it("filters architectures by task", () => {
    expect(architecturesFor([RESNET20, FCOS, RESNET18], "classify").map((a) => a.name)).toEqual(["resnet20", "resnet18"]);
    expect(architecturesFor([RESNET20, FCOS], "detect").map((a) => a.name)).toEqual(["fcos"]);
  });

  it("splits primary from advanced, hiding params of the other task", () => {
    const c = splitParams(SPECS, "classify");
    expect(c.primary.map((s) => s.name)).toEqual(["epochs", "batch_size", "optimizer", "lr", "label_smoothing", "augment", "device", "pretrained"]);
    expect(c.advanced.map((s) => s.name)).toEqual(["amp", "momentum"]);
    const d = splitParams(SPECS, "detect");
    expect(d.primary.some((s) => s.name === "label_smoothing")).toBe(false);
    expect(d.advanced.map((s) => s.name)).toContain("score_threshold");
  });

  it("takes the architecture's defaults over the config's", () => {
    expect(defaultFor(SPECS[0]!, RESNET20)).toBe(30);
    expect(defaultFor(SPECS[4]!, RESNET20)).toBe(0.5);
    expect(defaultFor(SPECS[5]!, null)).toBe(false);
    expect(defaultFor(spec("pretrained", "bool", null), { ...RESNET18, defaults: { pretrained: "/w/r18.pth" } })).toBe(true);
    expect(defaultsFor(SPECS, FCOS).optimizer).toBe("adamw");
  });

  it("parses what was typed", () => {
    expect(parseParam(SPECS[0]!, "12")).toEqual({ ok: true, value: 12 });
    expect(parseParam(SPECS[0]!, "1.5").ok).toBe(false);
    expect(parseParam(SPECS[0]!, "").ok).toBe(false);
    expect(parseParam(SPECS[2]!, "1e-3")).toEqual({ ok: true, value: 0.001 });
    expect(parseParam(SPECS[2]!, "abc").ok).toBe(false);
    expect(parseParam(SPECS[5]!, true)).toEqual({ ok: true, value: true });
    expect(parseParam(SPECS[6]!, " cuda:0 ")).toEqual({ ok: true, value: "cuda:0" });
    expect(inputText(0.0005)).toBe("0.0005");
    expect(inputText(null)).toBe("");
  });

  it("sends only the changed fields, compared as numbers", () => {
    const defaults = defaultsFor(SPECS, RESNET20);
    const raw = {
      epochs: "30", batch_size: "128", lr: "0.10", optimizer: "sgd", augment: "0.5", pretrained: false, device: "auto",
      amp: true, momentum: "0.9", label_smoothing: "0", score_threshold: "0.05",
    };
    expect(changedParams(SPECS, defaults, raw)).toEqual({ ok: true, params: {} });
    expect(changedParams(SPECS, defaults, { ...raw, epochs: "5", lr: "0.05", amp: false, device: "cpu", augment: "0.25" }))
      .toEqual({ ok: true, params: { epochs: 5, lr: 0.05, amp: false, device: "cpu", augment: 0.25 } });
    expect(changedParams(SPECS, defaults, { ...raw, epochs: "0" })).toEqual({ ok: true, params: { epochs: 0 } });
    const bad = changedParams(SPECS, defaults, { ...raw, epochs: "x", batch_size: "" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors).toHaveLength(2);
  });

  it("switching architecture keeps edited fields and moves untouched ones to the new defaults", () => {
    const d20 = defaultsFor(SPECS, RESNET20);
    const d18 = defaultsFor(SPECS, RESNET18);
    const raw = { epochs: "5", batch_size: "128", lr: "0.1", optimizer: "sgd", pretrained: false };
    const out = carryOver(SPECS, d20, d18, raw);
    expect(out.epochs).toBe("5");
    expect(out.batch_size).toBe("64");
    expect(out.pretrained).toBe(false);
    expect(out.amp).toBe(true);
  });
});

describe("orderedParams", () => {
  it("lists the form's params in the form's order, then the rest alphabetically", () => {
    const got = orderedParams({ zeta: 1, lr: 0.1, alpha: 2, epochs: 5, batch_size: 32 }).map(([k]) => k);
    expect(got).toEqual(["epochs", "batch_size", "lr", "alpha", "zeta"]);
  });
});
