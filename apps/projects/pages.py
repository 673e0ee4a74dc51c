"""Server-rendered shells for the browser pages; the TypeScript in frontend/ fills them in."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.exceptions import NotFound

from .selectors import project_get_for_user, role_for_user


@login_required
def project_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/projects.html", {"page": "projects"})


@login_required
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    try:
        project = project_get_for_user(project_id=project_id, user=request.user)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    role = role_for_user(project_id=project_id, user=request.user)
    return render(
        request,
        "pages/project.html",
        {"page": "project", "project": project, "role": role.label if role else ""},
    )
