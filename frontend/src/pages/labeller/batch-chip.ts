/** The labeller inside a batch (`?batch=`, from "My work"): which batch, how far along, and
 *  a way home; `refresh` after the image's status changes. */
import { batches } from "../../api/batches";
import { h } from "../../lib/dom";
import { formatCount } from "../../lib/format";

export function batchChip(batchId: number): { el: HTMLElement; refresh: () => void } {
  const el = h("a", { class: "pill batch-chip", href: "/", title: "Your batches (My work)", "data-testid": "labeller-batch" }, "Batch…");
  const refresh = (): void => void batches.get(batchId).then((b) => {
    el.textContent = `${b.name} · ${formatCount(b.done)}/${formatCount(b.images)} done`;
  }, () => { el.textContent = `Batch #${batchId}`; });
  refresh();
  return { el, refresh };
}
