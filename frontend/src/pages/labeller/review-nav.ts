/**
 * "Next pending image": the next image with predictions awaiting review, most uncertain
 * first (neighbors?review=pending&order=uncertain); its annotations are checked once more
 * (another reviewer may have just finished it); past the end, start again from the top once.
 */
import { images } from "../../api/images";
import { isPending } from "../../labeller/core/review";
import { filterParams, imageListUrl, type ImageFilters } from "../../lib/query";
import type { ImageCache } from "./loader";

const MAX_HOPS = 40;

function reviewFilters(filters: ImageFilters): ImageFilters {
  return { ...filters, review: "pending", order: "uncertain" };
}

export async function findNextPending(projectId: number, from: number, filters: ImageFilters, cache: ImageCache): Promise<number | null> {
  const f = reviewFilters(filters);
  const hasPending = async (id: number): Promise<boolean> =>
    (await cache.annotations(id, true)).some((a) => isPending({ source: a.source, review: a.review }));
  let at = from;
  let wrapped = false;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    let next = (await images.neighbors(at, filterParams(f))).next;
    if (next === null || next === undefined) {
      if (wrapped) return null;
      wrapped = true;
      const first = (await images.page(imageListUrl(projectId, f, 1))).results[0]?.id ?? null;
      if (first === null || first === from) return null;
      next = first;
      if (await hasPending(next)) return next;
      at = next;
      continue;
    }
    if (next === from) return null;
    if (await hasPending(next)) return next;
    at = next;
  }
  return null;
}
