/**
 * `?preview=normalize-aspect&label=&ratio=` (a link from the Dataset tab's Aspect ratio
 * tool): on each image, the tool's dry run for that image only, its grown boxes drawn dashed
 * green over the real ones. Nothing changes until the tool is applied on the Dataset tab.
 */
import { errorMessage } from "../../api/http";
import { workbench } from "../../api/workbench";
import type { Interaction } from "../../labeller/core/selection";
import { formatRatio, plural } from "../../lib/format";
import type { Notices } from "./notices";

export function aspectPreview(search: string, projectId: number, interaction: Interaction,
  notices: Notices): ((imageId: number) => void) | null {
  const q = new URLSearchParams(search);
  const label = Number(q.get("label")), ratio = Number(q.get("ratio"));
  if (q.get("preview") !== "normalize-aspect" || !(label > 0) || !(ratio > 0)) return null;
  let current = 0;
  return (imageId) => {
    current = imageId;
    interaction.setGhosts([]);
    workbench.run(projectId, "normalize-aspect", { label, ratio, image: imageId, dry_run: true }).then((r) => {
      if (current !== imageId) return;
      const grown = r.examples.flatMap((e) => e.boxes).flatMap((b) => (b.after ? [b.after] : []));
      interaction.setGhosts(grown);
      notices.show(grown.length
        ? `Preview: ${plural(grown.length, "box", "boxes")} of this label would grow to ${formatRatio(ratio)} (dashed green). Apply it on the Dataset tab.`
        : `Preview: no box of this label here would change for ${formatRatio(ratio)}.`, "info", 8000);
    }, (err) => notices.show(`Could not preview the aspect change: ${errorMessage(err)}`, "error"));
  };
}
