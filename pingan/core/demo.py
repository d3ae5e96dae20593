"""The demo-data registry behind `pingan demo`.

Each app registers a loader in its AppConfig.ready():

    from pingan.core.demo import register
    register("disputes", load_demo_disputes, after=["orgs"])

A loader is `loader(*, stdout) -> list[DemoLogin]`; it must be idempotent (a second run changes
nothing) and returns the logins it wants printed. Loaders run in registration order, except that
a loader runs after the loaders it names in `after`. core knows no app: apps come to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agency: str
    password: str


@dataclass
class _Loader:
    name: str
    func: Callable[..., list[DemoLogin] | None]
    after: list[str] = field(default_factory=list)


_LOADERS: dict[str, _Loader] = {}


def register(name: str, func: Callable[..., list[DemoLogin] | None], *, after: list[str] | None = None) -> None:
    """Register (or replace, so a reloaded app registers once) a named demo loader."""
    _LOADERS[name] = _Loader(name, func, list(after or []))


def loaders() -> list[_Loader]:
    """Registered loaders, dependencies first (a stable topological order)."""
    ordered: list[_Loader] = []
    seen: set[str] = set()

    def visit(loader: _Loader, stack: tuple[str, ...]) -> None:
        if loader.name in seen:
            return
        if loader.name in stack:
            raise ValueError(f"demo loaders depend on each other in a cycle: {' → '.join(stack + (loader.name,))}")
        for dep in loader.after:
            if dep not in _LOADERS:
                raise ValueError(f"demo loader {loader.name!r} runs after unknown loader {dep!r}")
            visit(_LOADERS[dep], stack + (loader.name,))
        seen.add(loader.name)
        ordered.append(loader)

    for loader in list(_LOADERS.values()):
        visit(loader, ())
    return ordered


def run_all(*, stdout=None) -> list[DemoLogin]:
    logins: dict[str, DemoLogin] = {}
    for loader in loaders():
        for login in loader.func(stdout=stdout) or []:
            # several loaders may name the same account (e.g. the prosecutor): print it once
            logins.setdefault(login.username, login)
    return list(logins.values())
