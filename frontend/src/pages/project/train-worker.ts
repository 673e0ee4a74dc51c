/**
 * The New run form's "Run on": any worker (the default), or a host or one GPU of the workers
 * online, each shown with its device, memory and whether it is busy. Sent as `params.worker`.
 */
import { errorMessage } from "../../api/http";
import { type WorkerInfo, workers } from "../../api/runs";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatCount } from "../../lib/format";

const REFRESH_MS = 10_000; // workers come and go: the list follows their heartbeats

/** "gpu-box/gpu1 · NVIDIA H200 (139 GiB) · busy"; a worker seeing several: "4 × NVIDIA H200 …" */
export function pinLabel(pin: string, on: WorkerInfo[]): string {
  const here = on.filter((w) => w.pins.includes(pin));
  const gpu = here.find((w) => w.gpu_name);
  const count = gpu && gpu.gpu_count > 1 ? `${gpu.gpu_count} × ` : "";
  const what = gpu ? `${count}${gpu.gpu_name} (${Math.round(gpu.gpu_memory_mb / 1024)} GiB)` : "CPU";
  const busy = here.filter((w) => w.state === "busy").length;
  const state = here.length > 1 ? `${busy} of ${here.length} busy` : busy ? "busy" : "idle";
  return `${pin} · ${what} · ${state}`;
}

/** The pins a training run may take, hosts before their GPUs. */
export function trainPins(on: WorkerInfo[]): string[] {
  const pins = new Set<string>();
  for (const w of on) if (w.queues.includes("train")) for (const p of w.pins) pins.add(p);
  return [...pins].sort();
}

export function workerField(): { el: HTMLElement; value: () => string } {
  const sel = h("select", { name: "worker", "aria-label": "Run on", "data-testid": "run-worker" }, option("", "Any worker"));
  const note = h("p", { class: "muted small", "data-testid": "workers-online" }, "Looking for workers…");
  const load = (): void => void workers.list().then((page) => {
    const on = page.results;
    const keep = sel.value;
    replaceChildren(sel, option("", "Any worker"), trainPins(on).map((p) => option(p, pinLabel(p, on))));
    if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
    const trainers = on.filter((w) => w.queues.includes("train"));
    note.textContent = trainers.length
      ? `${formatCount(trainers.length)} training worker${trainers.length === 1 ? "" : "s"} online, ${formatCount(trainers.filter((w) => w.state === "busy").length)} busy.`
      : "No training worker is online: the run will wait in the queue until one starts.";
  }, (err) => { note.textContent = `Could not list the workers: ${errorMessage(err)}`; });
  load();
  const timer = window.setInterval(() => { if (!sel.isConnected) window.clearInterval(timer); else if (!document.hidden) load(); }, REFRESH_MS);
  const el = h("div", { class: "form-row worker-row" },
    h("label", { class: "field-v" }, h("span", null, "Run on"), sel), note);
  return { el, value: () => sel.value };
}
