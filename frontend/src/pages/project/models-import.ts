/**
 * "Import model" (managers): a state_dict for a registry architecture plus class names
 * (typed, a file, or the ImageNet preset). Uploads with progress; the answer is a pending
 * version that a worker checks, scores and exports (the row goes ready or failed live).
 */
import { errorMessage } from "../../api/http";
import { type ModelVersion, modelVersions } from "../../api/models";
import { type Architecture, architectures } from "../../api/runs";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatBytes, percent } from "../../lib/format";
import { messageArea } from "../../ui/toast";
import type { ProjectContext } from "./context";

export function importForm(ctx: ProjectContext, onCreated: (v: ModelVersion) => void): HTMLElement {
  const msg = messageArea();
  const arch = h("select", { name: "architecture", "aria-label": "Architecture", "data-testid": "import-arch" }, option("", "Loading…"));
  const weights = h("input", { type: "file", name: "weights", accept: ".pt,.pth,.bin,.ckpt", "data-testid": "import-weights" });
  const classes = h("textarea", { name: "classes", rows: "4", placeholder: "one class name per line\n(or a JSON list)", spellcheck: "false", "data-testid": "import-classes" });
  const classesFile = h("input", { type: "file", name: "classes_file", accept: ".txt,.json,text/plain,application/json" });
  const preset = h("input", { type: "checkbox", name: "classes_preset", "data-testid": "import-imagenet" });
  const size = h("input", { type: "number", name: "image_size", min: "16", max: "2048", step: "1", inputmode: "numeric" });
  const desc = h("input", { type: "text", name: "description", maxlength: "300", placeholder: "optional, e.g. torchvision IMAGENET1K_V1" });
  const note = h("p", { class: "muted small" });
  const progress = h("progress", { max: "1", value: "0", hidden: true, "aria-label": "Upload progress", "data-testid": "import-progress" });
  const progressText = h("span", { class: "muted small" });
  const submit = h("button", { type: "submit", class: "primary" }, "Import");
  let archs: Architecture[] = [];
  let busy = false;

  const current = (): Architecture | undefined => archs.find((a) => a.name === arch.value);
  function sync(): void {
    const a = current();
    const def = a?.defaults?.image_size;
    size.placeholder = typeof def === "number" ? `default ${def}` : "default";
    note.textContent = a ? `${a.title}: ${a.task === "detect" ? "a detector" : "a classifier"}. The weights must be its state_dict with one output per class.` : "";
    const usePreset = preset.checked;
    classes.disabled = usePreset;
    classesFile.disabled = usePreset;
    submit.disabled = busy || !a;
  }

  const form = h("form", { class: "card import-form", "data-testid": "import-form", novalidate: true },
    h("div", { class: "side-head" }, h("h3", null, "Import model")),
    h("label", { class: "field-v" }, h("span", null, "Architecture"), arch),
    note,
    h("label", { class: "field-v" }, h("span", null, "Weights (state_dict .pt)"), weights),
    h("div", { class: "field-v" }, h("span", null, "Classes"), classes,
      h("div", { class: "import-classes-row" },
        h("label", { class: "small muted file-inline" }, "or a file ", classesFile),
        h("label", { class: "check small" }, preset, h("span", null, "ImageNet names (1,000)")))),
    h("div", { class: "form-row two" },
      h("label", { class: "field-v" }, h("span", null, "Image size"), size),
      h("label", { class: "field-v" }, h("span", null, "Description"), desc)),
    h("div", { class: "progress-line" }, progress, progressText),
    msg.el,
    h("div", { class: "actions" }, submit));

  arch.addEventListener("change", sync);
  preset.addEventListener("change", sync);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const a = current();
    const file = weights.files?.[0];
    if (!a) return msg.show("Pick an architecture.");
    if (!file) return msg.show("Choose the weights file.");
    const cfile = classesFile.files?.[0] ?? null;
    if (!preset.checked && !cfile && !classes.value.trim()) return msg.show("Give the class names, a classes file, or tick ImageNet names.");
    busy = true;
    sync();
    progress.hidden = false;
    progress.value = 0;
    const handle = modelVersions.import(ctx.projectId, {
      architecture: a.name, weights: file, classes: classes.value, classesFile: cfile,
      preset: preset.checked ? "imagenet" : null, imageSize: size.value ? Number(size.value) : null, description: desc.value.trim(),
    }, (loaded, total) => {
      progress.value = total ? loaded / total : 0;
      progressText.textContent = loaded >= total ? "Stored, registering…" : `${percent(loaded / total)} of ${formatBytes(total)}`;
    });
    try {
      const { status, body } = await handle.promise;
      if (status === 202 && body && typeof body.id === "number") {
        onCreated(body as ModelVersion);
        msg.show(`Imported as v${body.version}: a worker now checks the weights and exports ONNX.`, "ok");
        form.reset();
      } else {
        msg.show(body?.detail ?? `Import failed (${status}).`);
      }
    } catch (err) {
      msg.show(errorMessage(err));
    } finally {
      busy = false;
      progress.hidden = true;
      progressText.textContent = "";
      sync();
    }
  });

  architectures.list().then(
    (res) => {
      archs = res.results ?? [];
      replaceChildren(arch, archs.map((a) => option(a.name, `${a.name} · ${a.task}`)));
      const first = archs.find((a) => a.task === "classify") ?? archs[0];
      if (first) arch.value = first.name;
      sync();
    },
    (err) => msg.show(`Could not load architectures: ${errorMessage(err)}`),
  );
  sync();
  return form;
}
