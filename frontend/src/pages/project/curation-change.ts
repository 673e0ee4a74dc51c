/** The line under a curation action: what it changed, with an Undo that puts back its `before`. */
import { type Change, curation } from "../../api/curation";
import { errorMessage } from "../../api/http";
import { h, replaceChildren } from "../../lib/dom";
import { plural } from "../../lib/format";
import { toast } from "../../ui/toast";
import type { ProjectContext } from "./context";

export interface ChangeLine {
  el: HTMLElement;
  /** Report a change with an Undo button (restores `before`). */
  show: (what: string, change: Change) => void;
}

/** "Set aside 3 images. [Undo]": the last action and its undo. */
export function changeLine(ctx: ProjectContext, onDone: () => void): ChangeLine {
  const el = h("p", { class: "change-line small", "data-testid": "curation-change", "aria-live": "polite" });
  return {
    el,
    show: (what, change) => {
      if (!change.changed) {
        replaceChildren(el, "Nothing to change: every image was already so.");
        return;
      }
      const undo = h("button", { type: "button", class: "ghost small", "data-testid": "curation-undo" }, "Undo");
      undo.addEventListener("click", async () => {
        undo.disabled = true;
        try {
          const back = await curation.restore(ctx.projectId, change.before);
          replaceChildren(el, `Undone: ${plural(back.changed, "image")} put back.`);
          onDone();
        } catch (err) {
          toast(`Could not undo: ${errorMessage(err)}`, "error");
          undo.disabled = false;
        }
      });
      replaceChildren(el, `${what}: ${plural(change.changed, "image")}. `, undo);
      onDone();
    },
  };
}
