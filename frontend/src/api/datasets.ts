/** Dataset imports and exports: background jobs with progress over the websocket. */
import { get, post, postForm, type UploadHandle } from "./http";
import { projectPath, type Page } from "./common";
import type { RunStatus } from "./runs";

export const IMPORT_FORMATS = ["auto", "coco", "yolo", "voc", "cvat", "labelstudio", "imagenet", "labelforge", "video"] as const;
export const EXPORT_FORMATS = ["coco", "yolo", "voc", "cvat", "labelstudio", "imagenet", "labelforge"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const FORMAT_TEXT: Record<ImportFormat, string> = {
  auto: "Detect from the archive",
  coco: "COCO instances JSON",
  yolo: "YOLO (darknet, Ultralytics, classification)",
  voc: "Pascal VOC XML",
  cvat: "CVAT for images 1.1",
  labelstudio: "Label Studio JSON",
  imagenet: "Folder per class (ImageNet)",
  labelforge: "Labelforge (everything, lossless)",
  video: "Video frames (mp4, mov, avi, mkv, webm)",
};

export const VIDEO_EXTENSIONS = [".mp4", ".mov", ".avi", ".mkv", ".webm"];
export const isVideo = (name: string): boolean => VIDEO_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

/** A video import's sampling: every Nth frame or N a second, a time range, and the
 * perceptual-hash distance under which a frame is a near-copy of the last one kept. */
export interface VideoOptions {
  every_n_frames?: number;
  fps?: number;
  start?: number;
  end?: number;
  dedupe_distance?: number;
}

interface DatasetJob {
  id: number;
  project: number;
  status: RunStatus;
  progress: number;
  total: number;
  processed: number;
  errors: { file: string; detail: string }[];
  error: string;
  created_at: string;
  finished_at: string | null;
}

export interface ImportCounts {
  images_created?: number;
  images_existing?: number;
  images_failed?: number;
  annotations_created?: number;
  annotations_existing?: number;
  boxes_clipped?: number;
  skipped?: number;
  frames_skipped?: number;
  labels_created?: string[];
}

export interface DatasetImport extends DatasetJob {
  format: ImportFormat;
  detected_format: string;
  filename: string;
  options: VideoOptions;
  counts: ImportCounts;
}

export interface ExportFilter {
  split?: "train" | "val" | "test" | "unassigned";
  status?: "new" | "in_progress" | "done" | "reviewed";
  reviewed_only?: boolean;
}

export interface DatasetExport extends DatasetJob {
  format: ExportFormat;
  filters: ExportFilter;
  include_images: boolean;
  size_bytes: number;
  expires_at: string | null;
  download: string | null;
  counts: { images?: number; annotations?: number };
}

export const datasets = {
  startImport: (projectId: number, file: File, format: ImportFormat, options: VideoOptions,
    onProgress: (loaded: number, total: number) => void): UploadHandle<DatasetImport & { detail?: string; code?: string }> => {
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("format", format);
    for (const [key, value] of Object.entries(options)) if (value !== undefined) form.append(key, String(value));
    return postForm(`${projectPath(projectId)}imports/`, form, onProgress);
  },
  imports: (projectId: number) => get<Page<DatasetImport>>(`${projectPath(projectId)}imports/`),
  cancelImport: (id: number) => post<DatasetImport>(`/api/v1/imports/${id}/cancel/`, undefined),
  startExport: (projectId: number, body: { format: ExportFormat; filter: ExportFilter; include_images: boolean }) =>
    post<DatasetExport>(`${projectPath(projectId)}exports/`, body),
  exports: (projectId: number) => get<Page<DatasetExport>>(`${projectPath(projectId)}exports/`),
  cancelExport: (id: number) => post<DatasetExport>(`/api/v1/exports/${id}/cancel/`, undefined),
};
