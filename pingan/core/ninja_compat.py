"""Let endpoint decorators (orgs.permissions.requires, orgs.api_auth.scope_required, …) wrap
endpoints in modules that use `from __future__ import annotations`.

ninja resolves an endpoint's string annotations in the globals of the function it is given; for a
decorated endpoint that is the decorator's module, where the endpoint's schemas are unknown, and
the OpenAPI document fails with "QueryParams is not fully defined". Resolving them in the module
of the innermost wrapped function (what `functools.wraps` records) fixes it for every decorator.
Imported once by pingan.config.api before any router.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ninja.signature import details, utils


def get_typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    signature = inspect.signature(call)
    globalns = getattr(inspect.unwrap(call), "__globals__", {})
    params = [
        inspect.Parameter(
            name=p.name, kind=p.kind, default=p.default, annotation=utils.get_typed_annotation(p, globalns)
        )
        for p in signature.parameters.values()
    ]
    return inspect.Signature(params)


details.get_typed_signature = get_typed_signature  # type: ignore[assignment]
