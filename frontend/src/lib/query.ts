/** Image-list filters <-> URL query strings (the page URL and the API URL share them). */
import { type Source, SOURCES } from "../api/annotations";
import { images, type ImageStatus, type Split, SPLITS, type Stage, STATUSES } from "../api/images";

export interface ImageFilters {
  status?: ImageStatus;
  /** The team workflow: "review" is the review queue (images marked done). */
  stage?: Stage;
  /** With issues a reviewer raised that nobody has fixed yet (or without any). */
  open_issues?: boolean;
  split?: Split;
  label?: number;
  has_annotations?: boolean;
  source?: Source;
  /** "pending": only images whose model predictions await review. */
  review?: "pending";
  /** Frames of this video (a video import), optionally between two times in seconds. */
  video?: string;
  frame_from?: number;
  frame_to?: number;
  /** Set aside by curation (left out of training), or not. */
  excluded?: boolean;
  /** Only these images (a lasso on the embedding map): at most MAX_IDS. */
  ids?: number[];
  /** Only this batch's images (an assignment: the labeller's Next stays inside it). */
  batch?: number;
  /** List order: "uncertain" = most uncertain first (active learning), "uniqueness" = the
   *  most unlike the rest first (from embeddings), "mistakenness" = likely label errors first
   *  (a model's embeddings run); unset = upload order. */
  order?: ImageOrder;
}

export type ImageOrder = "uncertain" | "uniqueness" | "mistakenness";
const ORDERS: readonly ImageOrder[] = ["uncertain", "uniqueness", "mistakenness"];
const STAGES: readonly Stage[] = ["annotation", "review", "done"];

const FILTER_KEYS = [
  "status", "stage", "open_issues", "split", "label", "has_annotations", "source", "review", "video", "frame_from", "frame_to", "excluded", "ids", "batch",
] as const;
/** The most ids an image list takes as a filter (the API's limit). */
export const MAX_IDS = 1000;
export type FilterKey = (typeof FILTER_KEYS)[number];

function oneOf<T extends string>(allowed: readonly T[], value: string | null): T | undefined {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** Parse filters from a query string; unknown keys and invalid values are dropped. */
export function parseFilters(search: string): ImageFilters {
  const q = new URLSearchParams(search);
  const out: ImageFilters = {};
  const status = oneOf(STATUSES, q.get("status"));
  if (status) out.status = status;
  const stage = oneOf(STAGES, q.get("stage"));
  if (stage) out.stage = stage;
  const issues = q.get("open_issues");
  if (issues === "true" || issues === "false") out.open_issues = issues === "true";
  const split = oneOf(SPLITS, q.get("split"));
  if (split) out.split = split;
  const label = q.get("label");
  if (label !== null && /^\d+$/.test(label)) out.label = Number(label);
  const has = q.get("has_annotations");
  if (has === "true" || has === "false") out.has_annotations = has === "true";
  const excluded = q.get("excluded");
  if (excluded === "true" || excluded === "false") out.excluded = excluded === "true";
  const source = oneOf(SOURCES, q.get("source"));
  if (source) out.source = source;
  if (q.get("review") === "pending") out.review = "pending";
  const video = q.get("video");
  if (video) out.video = video.slice(0, 255);
  for (const key of ["frame_from", "frame_to"] as const) {
    const seconds = q.get(key);
    if (seconds !== null && /^\d+(\.\d+)?$/.test(seconds)) out[key] = Number(seconds);
  }
  const ids = q.get("ids");
  if (ids && /^\d+(,\d+)*$/.test(ids)) out.ids = ids.split(",").slice(0, MAX_IDS).map(Number);
  const batch = q.get("batch");
  if (batch !== null && /^[1-9]\d{0,11}$/.test(batch)) out.batch = Number(batch);
  const order = oneOf(ORDERS, q.get("order"));
  if (order) out.order = order;
  return out;
}

/** Filters as URLSearchParams, in a fixed key order, leaving out unset ones. */
export function filterParams(filters: ImageFilters): URLSearchParams {
  const q = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value === undefined || value === null) continue;
    q.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  if (filters.order) q.set("order", filters.order);
  return q;
}

/**
 * Replace the filter keys of an existing query string, keeping any other keys
 * (so the page URL can hold more than filters).
 */
export function mergeSearch(search: string, filters: ImageFilters): string {
  const q = new URLSearchParams(search);
  for (const key of FILTER_KEYS) q.delete(key);
  q.delete("order");
  for (const [k, v] of filterParams(filters)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function imageListUrl(projectId: number, filters: ImageFilters, pageSize: number): string {
  const q = filterParams(filters);
  q.set("page_size", String(pageSize));
  return images.listUrl(projectId, q);
}

export function countActive(filters: ImageFilters): number {
  return FILTER_KEYS.filter((k) => filters[k] !== undefined).length;
}
