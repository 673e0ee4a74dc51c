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
