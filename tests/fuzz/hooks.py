"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.fuzz.hooks): the object-level authorization
check the fuzzer runs as a non-member. LABELFORGE_FUZZ_FOREIGN holds the ids (per path
parameter name) of objects in projects the fuzzing user is not a member of."""

import json
import os
from typing import Any

import schemathesis

FOREIGN: dict[str, set[Any]] = {
    name: {str(v) for v in values}
    for name, values in json.loads(os.environ.get("LABELFORGE_FUZZ_FOREIGN", "{}")).items()
}


@schemathesis.check
def outsider_sees_nothing(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 2xx for an operation on another project's object, and none of another project's
    objects in a list."""
    if not FOREIGN:
        return None
    hit = {k: v for k, v in (case.path_parameters or {}).items()
           if str(v) in FOREIGN.get(k, ())}  # fmt: skip
    if hit and 200 <= response.status_code < 300:
        raise AssertionError(f"a non-member got {response.status_code} on another project's {hit}")
    if case.method == "GET" and case.path == "/api/v1/projects/" and response.status_code == 200:
        seen = {str(p["id"]) for p in response.json()["results"]} & FOREIGN["project_id"]
        if seen:
            raise AssertionError(f"a non-member's project list shows projects {sorted(seen)}")
    return None
