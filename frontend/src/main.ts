/** Entry point: Django renders a shell with <body data-page="...">; pick its module. */
import { mountLabeller } from "./pages/labeller/index";
import { mountProject } from "./pages/project/index";
import { mountProjects } from "./pages/projects";

const pages: Record<string, () => void> = {
  projects: mountProjects,
  project: mountProject,
  labeller: mountLabeller,
};

function boot(): void {
  const page = document.body.dataset.page ?? "";
  pages[page]?.();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();

/* ---------- training (appended): the run page loads its charts (uPlot) on demand ---------- */
function mountRunPage(): void {
  void import("./pages/runs/run-page").then((m) => m.mountRun());
}
pages.run = mountRunPage;
// Module scripts run after parsing, so boot() above has already run without this entry.
if (document.readyState !== "loading" && document.body.dataset.page === "run") mountRunPage();

/* ---------- model registry (appended): the version and compare pages, loaded on demand ---------- */
function mountModelPage(): void {
  void import("./pages/models/model-page").then((m) => m.mountModel());
}
pages.model = mountModelPage;
if (document.readyState !== "loading" && document.body.dataset.page === "model") mountModelPage();
