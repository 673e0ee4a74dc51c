"""Content Security Policy: one policy for every response (LABELFORGE_CSP, set by
ContentSecurityPolicyMiddleware) unless a view sets its own (`with_csp`): the API docs need
inline styles and workers, served files get a sandbox."""

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any

from django.http import HttpResponseBase

HEADER = "Content-Security-Policy"
Policy = Mapping[str, Sequence[str]] | str


def render(policy: Policy) -> str:
    """{"default-src": ["'self'"], "sandbox": []} -> "default-src 'self'; sandbox"."""
    if isinstance(policy, str):
        return policy
    return "; ".join(" ".join([name, *values]) for name, values in policy.items())


def with_csp(policy: Policy) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: this view's responses carry `policy` instead of the site's."""
    header = render(policy)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            response = view(*args, **kwargs)
            if isinstance(response, HttpResponseBase):
                response[HEADER] = header
            return response

        return wrapped

    return decorate
