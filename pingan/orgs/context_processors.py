from __future__ import annotations


def navigation(request):
    """The navigation menu for the user's roles (orgs.navigation builds it from permissions)."""
    from .navigation import menu_for

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    return {"nav_menu": menu_for(user)}
