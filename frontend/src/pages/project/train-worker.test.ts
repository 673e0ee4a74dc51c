import { describe, expect, it } from "vitest";
import type { WorkerInfo } from "../../api/runs";
import { pinLabel, trainPins } from "./train-worker";

const w = (over: Partial<WorkerInfo>): WorkerInfo => ({
  name: "w", host: "box", queues: ["train", "infer", "train@box"], device: "cpu", gpu_index: null, gpu_name: "",
  gpu_memory_mb: 0, gpu_count: 0, pins: ["box"], state: "idle", current_job: null, last_heartbeat: null, ...over,
});

describe("run on", () => {
  const gpus = [
    w({ name: "a", host: "gpu", pins: ["gpu", "gpu/gpu0"], gpu_index: "0", gpu_name: "H200", gpu_memory_mb: 143_000, gpu_count: 1, state: "busy" }),
    w({ name: "b", host: "gpu", pins: ["gpu", "gpu/gpu1"], gpu_index: "1", gpu_name: "H200", gpu_memory_mb: 143_000, gpu_count: 1 }),
    w({ name: "c", host: "web", queues: ["default"], pins: [] }),
  ];

  it("offers each training host and GPU once, not default-queue workers", () => {
    expect(trainPins(gpus)).toEqual(["gpu", "gpu/gpu0", "gpu/gpu1"]);
  });

  it("says what each pin runs on and how busy it is", () => {
    expect(pinLabel("gpu/gpu0", gpus)).toBe("gpu/gpu0 · H200 (140 GiB) · busy");
    expect(pinLabel("gpu", gpus)).toBe("gpu · H200 (140 GiB) · 1 of 2 busy");
    expect(pinLabel("box", [w({})])).toBe("box · CPU · idle");
    const all = w({ host: "dgx", pins: ["dgx"], gpu_name: "H200", gpu_memory_mb: 143_000, gpu_count: 8 });
    expect(pinLabel("dgx", [all])).toBe("dgx · 8 × H200 (140 GiB) · idle");
  });
});
