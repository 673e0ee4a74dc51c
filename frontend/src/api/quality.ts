/** Label quality: gold-check scores (managers) and consensus (send: managers; see, merge: reviewers). */
import { get, post } from "./http";
import { projectPath, type Page } from "./common";
import type { Rle } from "./annotations";

export interface Scores {
  /** The mean of tag accuracy, box F1 (IoU 0.5) and shape F1 (mask IoU 0.5), where each exists. */
  agreement: number | null;
  tag_accuracy: number | null;
  precision: number | null;
  recall: number | null;
  mean_iou: number | null;
  reference_boxes: number;
  boxes: number;
  matched: number;
  tag_decisions: number;
  shape_precision: number | null;
  shape_recall: number | null;
  shape_mean_iou: number | null;
  reference_shapes: number;
  shapes: number;
  shapes_matched: number;
}

export interface GoldRow extends Scores {
  username: string;
  checks: number;
  by_label: (Scores & { label: string })[];
}

export interface ConsensusPerson {
  username: string;
  submitted: boolean;
}

export interface ConsensusRow {
  image: number;
  filename: string;
  annotators: ConsensusPerson[];
  submitted: number;
  agreement: number | null;
}

export interface Box { x: number; y: number; w: number; h: number }
export interface BoxVote { label: string; box: Box; votes?: number; mean_iou?: number | null }
export interface TagVote { label: string; votes: number }
/** A polygon (rings, outline first) or a mask (COCO RLE) in image pixels. */
export interface ShapeVote {
  label: string;
  kind: "polygon" | "mask";
  polygon: number[][][] | null;
  mask: Rle | null;
  votes?: number;
  mean_iou?: number | null;
}

export interface ConsensusDetail {
  image: number;
  filename: string;
  width: number;
  height: number;
  annotators: (ConsensusPerson & { tags: string[]; boxes: BoxVote[]; shapes: ShapeVote[] })[];
  submitted: number;
  quorum: number;
  agreement: number | null;
  merged: {
    tags: TagVote[]; boxes: BoxVote[]; shapes: ShapeVote[]; tag_votes: TagVote[];
    left_out_boxes: number; left_out_shapes: number;
  };
  current_labels: number;
}

export interface ConsensusMerged {
  image: number;
  removed: number;
  tags: number;
  boxes: number;
  shapes: number;
  annotators: string[];
  agreement: number;
}

export interface ConsensusSendBody {
  annotators: string[];
  image_ids?: number[];
  filter?: Record<string, string | number | boolean>;
  due?: string | null;
}

export const quality = {
  gold: (projectId: number, days: number) => get<GoldRow[]>(`${projectPath(projectId)}gold/?days=${days}`),
  consensus: (projectId: number) => get<Page<ConsensusRow>>(`${projectPath(projectId)}consensus/`),
  send: (projectId: number, body: ConsensusSendBody) => post<{ batches: number[]; skipped: number }>(`${projectPath(projectId)}consensus/`, body),
  detail: (imageId: number, quorum?: number) => get<ConsensusDetail>(`/api/v1/images/${imageId}/consensus/${quorum ? `?quorum=${quorum}` : ""}`),
  merge: (imageId: number, quorum?: number) => post<ConsensusMerged>(`/api/v1/images/${imageId}/consensus/merge/`, quorum ? { quorum } : {}),
};
