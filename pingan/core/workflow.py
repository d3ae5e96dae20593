"""The workflow engine: each case kind's states and transitions are declared once, as data.

    DISPUTE = register(Workflow(
        name="disputes.dispute", model="disputes.dispute", field="state",
        states={"routed": _("已分流"), "accepted": _("已受理"), ...},
        transitions=[
            T("accept", source=["routed"], target="accepted", permission="accept",
              guards=[has_mediator], label=_("受理")),
        ],
    ))

    transition(obj=dispute, name="accept", by=user, reason="…")

`transition` checks that the transition leaves the current state, that `by` holds the
transition's action on the object (orgs.permissions.has_object_permission) and that every guard
holds (a guard `guard(obj, by, data)` returns None, or a message saying why not). Then, in one
transaction, it moves the state with a compare-and-set update (0 rows → ConflictError: someone
else moved it first), appends a core.Transition row, publishes an outbox event
`<workflow>.<transition>` carrying ids only, and writes the audit entry.

`milestones` maps a state to a nullable DateTimeField of the model: the first time the record
enters that state (by `transition` or `record_imported`), the field gets the time of the log
row. A statistic such as "ever reached mediation" then counts a column the period's index
holds instead of probing the transition log per record (policing/selectors_stats.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .audit import AuditEvent, record
from .errors import ApplicationError, ConflictError
from .outbox import publish

Guard = Callable[[Any, Any, dict], "str | None"]
ANY_STATE = "*"


@dataclass(frozen=True)
class T:
    """One transition. `source` lists the states it may leave ("*" = any state but the target)."""

    name: str
    source: Sequence[str]
    target: str
    permission: str | None = None
    guards: Sequence[Guard] = ()
    label: str | Promise = ""  # gettext_lazy is fine: rendered in the reader's language

    @property
    def display(self) -> str:
        return str(self.label or self.name)

    def leaves(self, state: str) -> bool:
        return state in self.source or (ANY_STATE in self.source and state != self.target)


@dataclass
class Workflow:
    name: str
    field: str
    states: dict[str, Any]
    transitions: list[T]
    model: str = ""  # "app_label.model_name"; defaults to `name`
    initial: str | None = None
    milestones: dict[str, str] = dc_field(default_factory=dict)  # state -> DateTimeField, see above
    _by_name: dict[str, list[T]] = dc_field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.model = self.model or self.name
        problems = []
        if self.initial is not None and self.initial not in self.states:
            problems.append(f"initial state {self.initial!r} is not declared")
        for t in self.transitions:
            for s in t.source:
                if s != ANY_STATE and s not in self.states:
                    problems.append(f"{t.name}: unknown source state {s!r}")
            if t.target not in self.states:
                problems.append(f"{t.name}: unknown target state {t.target!r}")
            for other in self._by_name.get(t.name, []):
                if any(other.leaves(s) for s in t.source if s != ANY_STATE):
                    problems.append(f"{t.name}: declared twice for the same source state")
            self._by_name.setdefault(t.name, []).append(t)
        problems += [f"milestone for unknown state {s!r}" for s in self.milestones if s not in self.states]
        if problems:
            raise ImproperlyConfigured(f"workflow {self.name}: " + "; ".join(problems))

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def state_of(self, obj: models.Model) -> str:
        return getattr(obj, self.field)

    def label(self, state: str) -> str:
        return str(self.states.get(state, state))

    def from_state(self, state: str) -> list[T]:
        return [t for t in self.transitions if t.leaves(state)]

    def find(self, name: str, state: str) -> T | None:
        return next((t for t in self._by_name.get(name, []) if t.leaves(state)), None)

    def problems_with_model(self) -> list[str]:
        """Mismatches between the declaration and the model (call it from the app's tests):
        the model and field must exist, and a field with choices must offer every state."""
        try:
            model = self.model_class()
        except (LookupError, ValueError):
            return [f"unknown model {self.model!r}"]
        try:
            model_field = model._meta.get_field(self.field)
        except Exception:  # noqa: BLE001 - FieldDoesNotExist
            return [f"{self.model} has no field {self.field!r}"]
        choices = {str(value) for value, _label in (getattr(model_field, "choices", None) or [])}
        missing = sorted(set(self.states) - choices) if choices else []
        max_length = getattr(model_field, "max_length", None)
        too_long = [s for s in self.states if max_length and len(s) > max_length]
        no_stamp = [f for f in self.milestones.values() if not isinstance(_field_or_none(model, f), models.DateTimeField)
                    or not _field_or_none(model, f).null]
        return [f"state {s!r} is not among {self.model}.{self.field} choices" for s in missing] + [
            f"state {s!r} is longer than {self.model}.{self.field}.max_length" for s in too_long
        ] + [f"milestone {f!r} is not a nullable DateTimeField of {self.model}" for f in no_stamp]

    def milestone_updates(self, state: str, at) -> dict[str, Any]:
        """The update that stamps `state`'s milestone at `at` unless the stored row has one
        already (COALESCE: a stale in-memory object cannot move a stamp)."""
        name = self.milestones.get(state)
        return {name: Coalesce(F(name), Value(at))} if name else {}


def _field_or_none(model: type[models.Model], name: str):
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist
        return None


_registry: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Declare a workflow (at import time of the app's workflows module). Registering the same
    name twice is a mistake, except re-registering the very same object (module reloads)."""
    existing = _registry.get(workflow.name)
    if existing is not None and existing is not workflow:
        raise ImproperlyConfigured(f"workflow {workflow.name!r} is already registered")
    _registry[workflow.name] = workflow
    return workflow


def unregister(name: str) -> None:
    _registry.pop(name, None)


def get_workflow(name: str) -> Workflow:
    return _registry[name]


def workflows() -> list[Workflow]:
    return list(_registry.values())


def workflow_for(obj: models.Model | type[models.Model]) -> Workflow:
    """The one workflow registered for this object's model (pass `workflow=` when a model has
    several, e.g. on different fields)."""
    label = obj._meta.label_lower
    found = [w for w in _registry.values() if w.model.lower() == label]
    if len(found) != 1:
        raise ImproperlyConfigured(
            f"{len(found)} workflows registered for {label}; pass workflow= explicitly"
        )
    return found[0]


def _resolve(obj: models.Model, workflow: Workflow | str | None) -> Workflow:
    if workflow is None:
        return workflow_for(obj)
    return get_workflow(workflow) if isinstance(workflow, str) else workflow


def _has_permission(user, obj: models.Model, action: str) -> bool:
    # The permission choke point belongs to orgs (it needs the org chart); imported lazily so
    # core still loads on its own.
    from pingan.orgs.permissions import has_object_permission

    return has_object_permission(user, obj, action)


def _guard_failures(t: T, obj: models.Model, by, data: dict) -> list[str]:
    failures = []
    for guard in t.guards:
        message = guard(obj, by, data)
        if message:
            failures.append(str(message))
    return failures


def transition(
    *,
    obj: models.Model,
    name: str,
    by,
    reason: str = "",
    data: dict | None = None,
    workflow: Workflow | str | None = None,
    updates: dict[str, Any] | None = None,
):
    """Perform transition `name` on `obj` for user `by`; returns the core.Transition row.

    `data` is stored on the transition row (JSON); `updates` are extra field values written in
    the same compare-and-set update as the state (e.g. the mediator assigned by "assign").
    Raises ApplicationError(code="transition_not_allowed" | "guard_failed"), PermissionDenied,
    or ConflictError when the state changed under us. `obj`'s state field is updated in place.
    """
    from .models import Transition

    wf = _resolve(obj, workflow)
    data = dict(data or {})
    current = wf.state_of(obj)
    t = wf.find(name, current)
    if t is None:
        options = wf.from_state(current)
        allowed = [x.name for x in options]
        raise ApplicationError(
            _("当前状态「%(state)s」不能执行「%(name)s」。可执行：%(allowed)s")
            % {
                "state": wf.label(current),
                "name": name,
                "allowed": "、".join(x.display for x in options) if options else _("无"),
            },
            code="transition_not_allowed",
            extra={"state": current, "allowed": allowed},
        )
    if t.permission and not _has_permission(by, obj, t.permission):
        raise PermissionDenied(_("无权执行此操作。"))
    failures = _guard_failures(t, obj, by, data)
    if failures:
        raise ApplicationError("；".join(failures), code="guard_failed", extra={"reasons": failures})

    model = type(obj)
    now = timezone.now()
    stamps = wf.milestone_updates(t.target, now)
    values = {wf.field: t.target, **stamps, **(updates or {})}
    with transaction.atomic():
        moved = model._default_manager.filter(pk=obj.pk, **{wf.field: current}).update(**values)
        if moved != 1:
            raise ConflictError(
                _("记录状态已被他人改变，请刷新后重试。"),
                code="state_changed",
                extra={"expected": current},
            )
        for key, value in values.items():
            setattr(obj, key, getattr(obj, key) or now if key in stamps else value)
        row = Transition.objects.create(
            content_type=ContentType.objects.get_for_model(model),
            object_id=str(obj.pk),
            workflow=wf.name,
            name=t.name,
            from_state=current,
            to_state=t.target,
            by=by if getattr(by, "pk", None) else None,
            reason=reason,
            data=data,
            at=now,
        )
        publish(
            f"{wf.name}.{t.name}",
            {
                "workflow": wf.name,
                "transition": t.name,
                "transition_id": row.pk,
                "object_type": model._meta.label_lower,
                "object_id": str(obj.pk),
                "from": current,
                "to": t.target,
                "by": getattr(by, "pk", None),
            },
        )
        record(
            actor=by,
            event_type=AuditEvent.TRANSITION,
            action=f"{wf.name}.{t.name}",
            obj=obj,
            before={wf.field: current},
            after={wf.field: t.target, **({"data": data} if data else {})},
            reason=reason,
        )
    return row


@dataclass
class Available:
    """A transition as a page shows it: `allowed` is computed here, never in a template."""

    name: str
    label: str
    target: str
    target_label: str
    allowed: bool
    reasons: list[str]


def allowed_transitions(obj: models.Model, user, *, workflow: Workflow | str | None = None,
                        data: dict | None = None) -> list[Available]:
    """Every transition out of the current state, each with whether `user` may do it now and,
    if not, why (permission or guard messages)."""
    wf = _resolve(obj, workflow)
    out = []
    cache: dict[str, bool] = {}
    for t in wf.from_state(wf.state_of(obj)):
        reasons: list[str] = []
        if t.permission:
            if t.permission not in cache:
                cache[t.permission] = _has_permission(user, obj, t.permission)
            if not cache[t.permission]:
                reasons.append(_("无权执行此操作。"))
        if not reasons:
            reasons = _guard_failures(t, obj, user, dict(data or {}))
        out.append(Available(t.name, t.display, t.target, wf.label(t.target), not reasons, reasons))
    return out


def history(obj: models.Model):
    """The object's transitions, oldest first."""
    from .models import Transition

    return (
        Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        )
        .select_related("by")
        .order_by("at", "id")
    )


def record_imported(
    *,
    objs: Sequence[models.Model],
    by,
    reason: str,
    data: Callable[[Any], dict] | None = None,
    workflow: Workflow | str | None = None,
) -> int:
    """Log historical records imported directly in their current state (a ledger of closed
    cases): one Transition row each, named "import", from the initial state to the state stored,
    written in bulk. No outbox events (nothing happened now that others must react to) and no
    per-row audit entry: the importing service writes one audit entry for the batch. Call inside
    the import's transaction, after the objects are saved."""
    from .models import Transition

    if not objs:
        return 0
    wf = _resolve(objs[0], workflow)
    ct = ContentType.objects.get_for_model(type(objs[0]))
    user = by if getattr(by, "pk", None) else None
    now = timezone.now()  # one time for the batch: the log rows' and the milestones' alike
    rows = [
        Transition(content_type=ct, object_id=str(o.pk), workflow=wf.name, name="import",
                   from_state=wf.initial or "", to_state=wf.state_of(o), by=user, reason=reason,
                   data=data(o) if data else {}, at=now)
        for o in objs
    ]
    Transition.objects.bulk_create(rows, batch_size=500)
    model = type(objs[0])
    for state, name in wf.milestones.items():
        stamped = [o for o in objs if wf.state_of(o) == state and getattr(o, name) is None]
        for start in range(0, len(stamped), 500):  # SQLite's bound-parameter limit
            chunk = stamped[start:start + 500]
            model._default_manager.filter(pk__in=[o.pk for o in chunk], **{f"{name}__isnull": True}).update(
                **{name: now})
            for o in chunk:
                setattr(o, name, now)
    return len(rows)
