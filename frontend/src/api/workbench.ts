/** The Dataset tab's API: box statistics, shape clusters, anchors, tools and their undo. */
import { get, post } from "./http";
import { projectPath, type Page } from "./common";
import type { Split } from "./images";

export interface BoxFilter {
  label?: number;
  split?: Split;
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface LabelCount {
  id: number;
  name: string;
  color: string;
  boxes: number;
  images: number;
}

export interface DatasetStats {
  filters: BoxFilter;
  boxes: number;
  images: number;
  images_without_boxes: number;
  /** Segmentation shapes (polygons and masks) under the same filters. */
  polygons: number;
  masks: number;
  boxes_touching_border: number;
  boxes_outside: number;
  labels: LabelCount[];
  /** Boxes per `scale_class` attribute (the Scale classes tool), and how many have none. */
  scale_classes: { counts: Record<string, number>; without: number };
  histograms: Record<"width" | "height" | "area" | "aspect", Histogram>;
  scatter: { w: number[]; h: number[]; label: number[]; id: number[] };
}

export type ClusterMode = "compute" | "fit";

export interface ClusterExample {
  annotation: number;
  image: number;
  box: [number, number, number, number];
  image_width: number;
  image_height: number;
}

export interface Cluster {
  index: number;
  ratio: number | null;
  width: number;
  height: number;
  count: number;
  center: [number, number];
  examples: ClusterExample[];
}

export interface Clusters {
  mode: ClusterMode;
  k: number;
  boxes: number;
  clusters: Cluster[];
}

export interface Anchors {
  k: number;
  image_size: number;
  boxes: number;
  anchors: [number, number][];
  levels: Record<string, [number, number][]>;
  mean_iou: number | null;
}

export type ToolKind = "remove_small_boxes" | "remove_duplicates" | "fix_outside" | "normalize_aspect" | "scale_classes" | "remove_small_shapes";
export type ToolPath = "remove-small-boxes" | "remove-duplicates" | "fix-outside" | "normalize-aspect" | "scale-classes" | "remove-small-shapes";

export interface BoxXYWH {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ToolExample {
  image: number;
  width: number;
  height: number;
  file: string;
  thumbnail: string;
  /** Boxes, or a polygon's or mask's bounding box (`kind` set) for the shape clean-up. */
  boxes: { id: number; label: number; box: BoxXYWH; after: BoxXYWH | null; kind?: "polygon" | "mask" }[];
}

export interface Operation {
  id: number;
  project: number;
  kind: ToolKind;
  params: Record<string, unknown>;
  matched: number;
  changed: number;
  created_by: string | null;
  created_at: string;
  undone_at: string | null;
  undone_by: string | null;
  undo_counts: { reverted?: number; conflicts?: number };
  /** POST here to undo; null once undone. */
  undo: string | null;
}

export interface ToolResult {
  matched: number;
  changed: number;
  /** The parameters as the tool made them concrete (scale classes: centres and names). */
  params?: Record<string, unknown>;
  operation: Operation | null;
  examples: ToolExample[];
  /** The shape clean-up: mask pixels it wipes. */
  removed_pixels?: number;
}

const D = (projectId: number): string => `${projectPath(projectId)}dataset/`;

function query(params: Record<string, number | string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const workbench = {
  stats: (projectId: number, f: BoxFilter) => get<DatasetStats>(`${D(projectId)}stats/${query({ ...f })}`),
  clusters: (projectId: number, f: BoxFilter, k: number, mode: ClusterMode) =>
    get<Clusters>(`${D(projectId)}clusters/${query({ ...f, k, mode })}`),
  anchors: (projectId: number, f: BoxFilter, k: number, imageSize: number) =>
    get<Anchors>(`${D(projectId)}anchors/${query({ ...f, k, image_size: imageSize })}`),
  run: (projectId: number, tool: ToolPath, body: Record<string, unknown>) =>
    post<ToolResult>(`${D(projectId)}${tool}/`, body),
  operations: (projectId: number) => get<Page<Operation>>(`${D(projectId)}operations/`),
  undo: (operation: Operation) => post<Operation>(operation.undo ?? "", {}),
};
