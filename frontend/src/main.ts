/** Entry point: Django renders a shell with <body data-page="...">; the route table mounts its module. */
import { mountLabeller } from "./pages/labeller/index";
import { mountProject } from "./pages/project/index";
import { mountProjects } from "./pages/projects/index";
import { mountInbox } from "./ui/inbox";

/**
 * Every page: data-page (apps/projects/pages.py) -> its mount function. The run and model
 * pages are loaded on demand (their charts pull in uPlot).
 */
const ROUTES: Record<string, () => void> = {
  projects: mountProjects,
  project: mountProject,
  labeller: mountLabeller,
  run: () => void import("./pages/runs/run-page").then((m) => m.mountRun()),
  model: () => void import("./pages/models/model-page").then((m) => m.mountModel()),
};

function boot(): void {
  const inbox = document.getElementById("inbox");
  if (inbox) mountInbox(inbox);
  ROUTES[document.body.dataset.page ?? ""]?.();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
