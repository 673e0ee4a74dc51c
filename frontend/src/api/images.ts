/** Images of a project: pages of the list, one image, neighbours, upload and the split. */
import { get, patch, post, postForm, type UploadHandle } from "./http";
import { projectPath, type Page } from "./common";

export type ImageStatus = "new" | "in_progress" | "done" | "reviewed";
/** The team workflow, read from the status: labelling, waiting for a reviewer, accepted. */
export type Stage = "annotation" | "review" | "done";
export type Split = "train" | "val" | "test" | "unassigned";
export type ZipLayout = "auto" | "flat" | "folders";

export const STATUSES: readonly ImageStatus[] = ["new", "in_progress", "done", "reviewed"];
export const SPLITS: readonly Split[] = ["train", "val", "test", "unassigned"];

export interface Image {
  id: number;
  project: number;
  filename: string;
  width: number;
  height: number;
  format: string;
  size_bytes: number;
  sha256: string;
  status: ImageStatus;
  stage: Stage;
  split: Split;
  sample_weight: number;
  gold: boolean;
  file: string;
  thumbnail: string | null;
  /** 0..1 after auto-annotation (1 = the model could not choose); null when never scored. */
  uncertainty?: number | null;
  /** 0..1 from the latest embeddings (1 = the most unlike the rest); null before any. */
  uniqueness?: number | null;
  /** 0..1 from the latest model embeddings: how strongly it disagrees with the labels. */
  mistakenness?: number | null;
  /** Set aside by curation: left out of training snapshots. */
  excluded?: boolean;
  /** Only in list responses; detail and websocket payloads leave it out. */
  annotation_count?: number;
  /** A frame of a video import: the video's name ("" otherwise) and seconds into it. */
  source_video: string;
  frame_time: number | null;
  /** A crop (the labeller's Transform): the image it was cut from, and the region and turn. */
  source_image: number | null;
  crop: { x: number; y: number; w: number; h: number; angle: number } | Record<string, never>;
  created_at: string;
  updated_at: string;
}

export interface Neighbors {
  previous: number | null;
  next: number | null;
  next_unlabelled: number | null;
}

export interface UploadDuplicate {
  file: string;
  existing?: number;
  same_as?: string;
}

export interface UploadError {
  file: string;
  detail: string;
  code?: string;
}

export interface UploadResult {
  created: number[];
  duplicates: UploadDuplicate[];
  errors: UploadError[];
  labels_created: string[];
}

export interface SplitResult {
  assigned: Partial<Record<Split, number>>;
  /** Images per split after the assignment. */
  counts: Record<Split, number>;
}

export interface SplitCounts {
  counts: Record<Split, number>;
}

/** A video this project's frames came from (GET /projects/{id}/videos/). */
export interface Video {
  video: string;
  frames: number;
  start: number;
  end: number;
}

export type ImagePatch = { status?: ImageStatus; split?: Split; sample_weight?: number };

export interface UploadOptions {
  label?: number | null;
  layout?: ZipLayout;
}

const I = (id: number): string => `/api/v1/images/${id}/`;
const withQuery = (url: string, query: URLSearchParams): string => {
  const q = query.toString();
  return q ? `${url}?${q}` : url;
};

export const images = {
  /** The first page of the list; `query` holds the filters (lib/query) and the page size. */
  listUrl: (projectId: number, query: URLSearchParams): string =>
    withQuery(`${projectPath(projectId)}images/`, query),
  page: (url: string) => get<Page<Image>>(url),
  get: (id: number) => get<Image>(I(id)),
  update: (id: number, body: ImagePatch) => patch<Image>(I(id), body),
  /** The previous and next image under the same filters (`query`, from lib/query). */
  neighbors: (id: number, query: URLSearchParams) => get<Neighbors>(withQuery(`${I(id)}neighbors/`, query)),
  split: (
    projectId: number,
    body: { train: number; val: number; test: number; seed: number; only_unassigned: boolean },
  ) => post<SplitResult>(`${projectPath(projectId)}split/`, body),
  splitCounts: (projectId: number) => get<SplitCounts>(`${projectPath(projectId)}split/`),
  /** The labeller's Transform: a region of the image, turned `angle` degrees counter-clockwise,
   * as a new image with the boxes inside (an image with these pixels already: that one). */
  crop: (id: number, body: { x: number; y: number; w: number; h: number; angle: number }) =>
    post<Image>(`${I(id)}crop/`, body),
  videos: (projectId: number) => get<{ results: Video[] }>(`${projectPath(projectId)}videos/`),
  upload: (
    projectId: number,
    files: File[],
    opts: UploadOptions,
    onProgress: (loaded: number, total: number) => void,
  ): UploadHandle<Partial<UploadResult> & { detail?: string; code?: string }> => {
    const form = new FormData();
    for (const f of files) form.append("files", f, f.name);
    if (opts.label) form.append("label", String(opts.label));
    if (opts.layout) form.append("layout", opts.layout);
    return postForm(`${projectPath(projectId)}images/`, form, onProgress);
  },
};
