/** Annotations on an image (boxes and tags), and the review of model predictions. */
import { del, get, patch, post } from "./http";
import type { Page } from "./common";

export type Source = "human" | "model";
export const SOURCES: readonly Source[] = ["human", "model"];

export type Review = "none" | "pending" | "accepted" | "rejected";

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Point = [number, number];

/** COCO run-length encoding: {size: [height, width], counts: "<compressed string>"}. */
export interface Rle {
  size: [number, number];
  counts: string;
}

export interface Annotation {
  id: number;
  image: number;
  label: number;
  kind: "box" | "tag" | "polygon" | "mask";
  box: Box | null;
  /** A polygon: its points [[x, y], ...], or with holes its rings (the outline first). */
  polygon?: Point[] | Point[][] | null;
  mask?: Rle | null;
  source: Source;
  score: number | null;
  review: string;
  version: number;
  /** The model version that predicted it (kept after a person fixes it); null for human work. */
  model_version?: number | null;
}

/** An annotation as the labeller reads it: the full wire shape. */
export interface AnnotationRecord extends Annotation {
  client_id?: string | null;
  created_by?: number | string | null;
  updated_by?: number | string | null;
  created_at?: string;
  updated_at?: string;
  /** Websocket payloads name who made the change. */
  actor?: string | null;
}

export interface AnnotationCreateBody {
  kind: "box" | "tag" | "polygon" | "mask";
  label: number;
  box?: Box | null;
  polygon?: Point[] | Point[][];
  mask?: Rle;
  client_id?: string;
}

export interface AnnotationPatchBody {
  version: number;
  label?: number;
  box?: Box;
  polygon?: Point[] | Point[][];
  mask?: Rle;
  review?: string;
}

/** Websocket `annotation.deleted`. */
export interface AnnotationDeletedPayload {
  id: number;
  image: number;
  actor?: string | null;
  client_id?: string | null;
}

/** How people answered one model version's predictions. */
export interface ReviewStats {
  pending: number;
  accepted: number;
  corrected: number;
  rejected: number;
  reviewed: number;
  correction_rate: number | null;
}

export const annotations = {
  list: (imageId: number) => get<Page<AnnotationRecord>>(`/api/v1/images/${imageId}/annotations/`),
  /** 201 when created; 200 with the existing one when `client_id` was already created. */
  create: (imageId: number, body: AnnotationCreateBody) =>
    post<AnnotationRecord>(`/api/v1/images/${imageId}/annotations/`, body),
  update: (id: number, body: AnnotationPatchBody) =>
    patch<AnnotationRecord>(`/api/v1/annotations/${id}/`, body),
  remove: (id: number, version: number) =>
    del(`/api/v1/annotations/${id}/?version=${encodeURIComponent(String(version))}`),
};

export interface Segmented {
  polygon: Point[] | Point[][] | null;
  mask: Rle | null;
  ms: number;
  /** Segment-Anything when its weights are in the weights folder, else GrabCut. */
  method?: "sam" | "grabcut";
  /** Why a SAM weight file that is there was not used (GrabCut answered). */
  fallback?: string | null;
}

/** The segmentation assist: GrabCut on a box (and clicks), nothing stored. */
export const assist = {
  segment: (imageId: number, box: Box, points: { x: number; y: number; positive: boolean }[]) =>
    post<Segmented>(`/api/v1/images/${imageId}/segment/`, { box, points }),
};

export const review = {
  /** Accept or reject one prediction (409 stale_version with `current`, like PATCH). */
  annotation: (id: number, action: "accept" | "reject", version: number) =>
    post<AnnotationRecord>(`/api/v1/annotations/${id}/review/`, { action, version }),
  /** Accept or reject every pending prediction on the image scoring >= minScore. */
  image: (imageId: number, action: "accept" | "reject", minScore = 0) =>
    post<{ results: AnnotationRecord[] }>(`/api/v1/images/${imageId}/review/`, { action, min_score: minScore }),
  /** Remove the pending predictions one model version made. */
  revertVersion: (versionId: number) =>
    post<{ removed: number }>(`/api/v1/model-versions/${versionId}/revert-predictions/`, {}),
};
