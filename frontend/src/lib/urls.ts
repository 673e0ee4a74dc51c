/**
 * Every browser page's URL, in one place (Django's project/urls.py serves them; the API's
 * URLs live in api/). Search strings are passed through as they are ("" or "?a=b").
 */

/** A tab of the project page (its #hash). */
export type ProjectTab = "images" | "upload" | "labels" | "members" | "split" | "training" | "models" | "integrations";

export const projectUrl = (projectId: number, search = ""): string => `/projects/${projectId}/${search}`;

export const projectTabUrl = (projectId: number, tab: ProjectTab): string => `${projectUrl(projectId)}#${tab}`;

/** The new-run form, fine-tuning from a model version. */
export const fineTuneUrl = (projectId: number, versionId: number): string =>
  `${projectUrl(projectId, `?init_from=${versionId}`)}#training`;

/** The image list a finished pre-labelling run is reviewed from: its predictions, most uncertain first. */
export const reviewListUrl = (projectId: number): string =>
  `${projectUrl(projectId, "?review=pending&order=uncertain")}#images`;

/** The labeller on one image; `search` keeps the image list's filters. */
export const labellerUrl = (projectId: number, imageId: number, search = ""): string =>
  `${projectUrl(projectId)}label/${imageId}/${search}`;

/** The image id of a labeller path (`/projects/1/label/42/`), or null. */
export function labellerImageId(pathname: string): number | null {
  const m = /\/label\/(\d+)\/?$/.exec(pathname);
  return m ? Number(m[1]) : null;
}

export const runUrl = (projectId: number, runId: number): string => `${projectUrl(projectId)}runs/${runId}/`;

/** One model version's page. */
export const modelUrl = (projectId: number, versionId: number): string =>
  `${projectUrl(projectId)}models/${versionId}/`;

/** Two model versions side by side: A (baseline) and B (candidate). */
export const compareUrl = (projectId: number, a: number, b: number): string =>
  `${projectUrl(projectId)}models/compare/?a=${a}&b=${b}`;
