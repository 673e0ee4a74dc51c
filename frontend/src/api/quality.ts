/** Label quality: gold-check scores (managers) and consensus (send: managers; see, merge: reviewers). */
import { get, post } from "./http";
import { projectPath, type Page } from "./common";

export interface Scores {
  /** The mean of tag accuracy and box F1 (IoU 0.5), where each exists. */
  agreement: number | null;
  tag_accuracy: number | null;
  precision: number | null;
  recall: number | null;
  mean_iou: number | null;
  reference_boxes: number;
  boxes: number;
  matched: number;
  tag_decisions: number;
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

export interface ConsensusDetail {
  image: number;
  filename: string;
  width: number;
  height: number;
  annotators: (ConsensusPerson & { tags: string[]; boxes: BoxVote[] })[];
  submitted: number;
  quorum: number;
  agreement: number | null;
  merged: { tags: TagVote[]; boxes: BoxVote[]; tag_votes: TagVote[]; left_out_boxes: number };
  current_labels: number;
}

export interface ConsensusMerged {
  image: number;
  removed: number;
  tags: number;
  boxes: number;
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
