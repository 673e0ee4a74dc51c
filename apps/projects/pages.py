"""Server-rendered shells for the browser pages; the TypeScript in frontend/ fills them in."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.exceptions import NotFound
from apps.images.models import GOLD_SAMPLE_WEIGHT, Image

from .models import Project, Role
from .selectors import project_get_for_user, require_role


def _boot() -> dict[str, float]:
    """Values the frontend must share with the backend: base.html renders them as JSON
    (#lf-boot), frontend/src/lib/boot.ts reads them."""
    return {
        "gold_sample_weight": GOLD_SAMPLE_WEIGHT,
        "normal_sample_weight": Image._meta.get_field("sample_weight").default,
    }


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
    context = {"page": "project", "project": project, "role": role.label, "boot": _boot()}
    return render(request, "pages/project.html", context)


@login_required
def labeller_page(request: HttpRequest, project_id: int, image_id: int) -> HttpResponse:
    project, role = _project_for_page(request, project_id)
    if not project.images.filter(pk=image_id).exists():
        raise Http404("Image not found in this project.")
    context = {
        "page": "labeller",
        "project": project,
        "image_id": image_id,
        "role": role.label,
        "boot": _boot(),
    }
    return render(request, "pages/labeller.html", context)


@login_required
def run_page(request: HttpRequest, project_id: int, run_id: int) -> HttpResponse:
    project, role = _project_for_page(request, project_id)
    if not project.training_runs.filter(pk=run_id).exists():
        raise Http404("Training run not found in this project.")
    context = {"page": "run", "project": project, "run_id": run_id, "role": role.label}
    return render(request, "pages/run.html", context)


def _version_number(project: Project, version_id: int) -> int:
    number = project.model_versions.filter(pk=version_id).values_list("version", flat=True).first()
    if number is None:
        raise Http404("Model version not found in this project.")
    return number


@login_required
def model_page(request: HttpRequest, project_id: int, version_id: int) -> HttpResponse:
    project, role = _project_for_page(request, project_id)
    context = {
        "page": "model",
        "project": project,
        "role": role.label,
        "version_id": version_id,
        "version_number": _version_number(project, version_id),
    }
    return render(request, "pages/model.html", context)


def _id_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise Http404(f"'{name}' is not a model version id.")
    return int(raw)


@login_required
def model_compare_page(request: HttpRequest, project_id: int) -> HttpResponse:
    """Two versions side by side (?a=ID&b=ID); without both, the page lets the user pick."""
    project, role = _project_for_page(request, project_id)
    ids = {name: _id_param(request, name) for name in ("a", "b")}
    numbers = {name: _version_number(project, pk) for name, pk in ids.items() if pk is not None}
    context = {
        "page": "model",
        "project": project,
        "role": role.label,
        "compare": True,
        "a": ids["a"] or "",
        "b": ids["b"] or "",
        "a_number": numbers.get("a"),
        "b_number": numbers.get("b"),
    }
    return render(request, "pages/model.html", context)
