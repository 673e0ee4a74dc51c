"""Server-rendered shells for the browser pages; the TypeScript in frontend/ fills them in."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.exceptions import NotFound

from .models import Project, Role
from .selectors import project_get_for_user, require_role


def _project_for_page(request: HttpRequest, project_id: int) -> tuple[Project, Role]:
    try:
        role = require_role(project_id=project_id, user=request.user, min_role=Role.ANNOTATOR)
        return project_get_for_user(project_id=project_id, user=request.user), role
    except NotFound as exc:
        raise Http404(exc.detail) from exc


@login_required
def project_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/projects.html", {"page": "projects"})


@login_required
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project, role = _project_for_page(request, project_id)
    return render(
        request, "pages/project.html", {"page": "project", "project": project, "role": role.label}
    )


@login_required
def labeller_page(request: HttpRequest, project_id: int, image_id: int) -> HttpResponse:
    project, role = _project_for_page(request, project_id)
    if not project.images.filter(pk=image_id).exists():
        raise Http404("Image not found in this project.")
    context = {"page": "labeller", "project": project, "image_id": image_id, "role": role.label}
    return render(request, "pages/labeller.html", context)


@login_required
def run_page(request: HttpRequest, project_id: int, run_id: int) -> HttpResponse:
    project, role = _project_for_page(request, project_id)
    if not project.training_runs.filter(pk=run_id).exists():
        raise Http404("Training run not found in this project.")
    context = {"page": "run", "project": project, "run_id": run_id, "role": role.label}
    return render(request, "pages/run.html", context)
