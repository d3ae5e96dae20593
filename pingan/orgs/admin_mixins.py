"""The admin goes through the same permission choke point as pages and the API.

`RestrictedAdminMixin` makes a ModelAdmin list only what `restrict(qs, user, "view")` lets the
user see (an object outside the scope is a 404 in the change view), and answers the admin's
has_*_permission questions with our permission rows instead of Django's model permissions.
Foreign-key and many-to-many choices are restricted the same way. Set `audit_event` to have
admin saves and deletes written to the audit log:

    @admin.register(Dispute)
    class DisputeAdmin(RestrictedAdminMixin, admin.ModelAdmin):
        audit_event = AuditEvent.DISPUTE_CHANGED
"""

from __future__ import annotations

from typing import Any

from pingan.core.audit import AuditEvent, record

from .permissions import can, has_object_permission, restrict


def _allowed(request, action: str, model, obj=None) -> bool:
    if obj is None:
        return can(request.user, action, model)
    return has_object_permission(request.user, obj, action)


class RestrictedAdminMixin:
    audit_event: AuditEvent | None = None
    model: Any

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, "view")  # type: ignore[misc]

    def has_module_permission(self, request) -> bool:
        return any(can(request.user, a, self.model) for a in ("view", "add", "change", "delete"))

    def has_view_permission(self, request, obj=None) -> bool:
        return _allowed(request, "view", self.model, obj)

    def has_add_permission(self, request, *args) -> bool:
        return can(request.user, "add", self.model)

    def has_change_permission(self, request, obj=None) -> bool:
        return _allowed(request, "change", self.model, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _allowed(request, "delete", self.model, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = restrict(db_field.related_model._default_manager.all(), request.user, "view")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = restrict(db_field.related_model._default_manager.all(), request.user, "view")
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    # --- audit -----------------------------------------------------------------------------
    # The admin wraps each change view in a transaction, so the entry commits with the change.
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        self._audit(request, obj, "admin_change" if change else "admin_add",
                    after={"fields": sorted(form.changed_data)})

    def delete_model(self, request, obj) -> None:
        self._audit(request, obj, "admin_delete")
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self._audit(request, obj, "admin_delete")
        super().delete_queryset(request, queryset)  # type: ignore[misc]

    def _audit(self, request, obj, action: str, after: dict | None = None) -> None:
        if self.audit_event is not None:
            record(actor=request.user, event_type=self.audit_event, action=action, obj=obj, after=after)


class RestrictedInlineMixin:
    """For inlines: the user needs `action` on the inline's model (or, for an auto-created
    many-to-many table, on `permission_model`)."""

    permission_model: Any = None
    model: Any

    def _target(self):
        return self.permission_model or self.model

    def has_view_permission(self, request, obj=None) -> bool:
        return can(request.user, "view", self._target())

    def has_add_permission(self, request, obj=None) -> bool:
        return can(request.user, "change", self._target())

    def has_change_permission(self, request, obj=None) -> bool:
        return can(request.user, "change", self._target())

    def has_delete_permission(self, request, obj=None) -> bool:
        return can(request.user, "change", self._target())
