/** Small facts about a batch (an assignment) that pages show. */
import type { Batch } from "../api/batches";
import { labellerUrl } from "./urls";

/** The labeller inside the batch (its Next stays in it); null for an empty batch. */
export function batchLabellerUrl(b: Batch): string | null {
  return b.next_image === null ? null : labellerUrl(b.project, b.next_image, `?batch=${b.id}`);
}

/** Whether the due date has passed (dates are whole days, in the browser's time zone). */
export function overdue(b: Batch, today = new Date()): boolean {
  if (!b.due || b.done >= b.images) return false;
  const iso = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
  return b.due < iso;
}
