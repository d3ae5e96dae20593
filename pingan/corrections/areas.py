"""Permitted areas compiled to shapely geometries once and reused across batches.

The compiled cache is keyed by (pk, updated_at), so an edit in the admin takes effect on the next
batch without a restart; the check costs one small query per batch."""

from __future__ import annotations

from dataclasses import dataclass

from .geo import Area
from .models import PermittedArea


@dataclass(frozen=True)
class CompiledArea:
    pk: int
    shape: Area
    supervisee_id: int | None
    exclusion: bool
    valid_from_us: int | None
    valid_to_us: int | None


_cache: dict[tuple[int, str], CompiledArea] = {}


def _us(value) -> int | None:
    return None if value is None else int(value.timestamp()) * 1_000_000 + value.microsecond


def active_areas() -> list[CompiledArea]:
    rows = PermittedArea.objects.filter(active=True).values_list(
        "pk", "updated_at", "kind", "supervisee_id", "valid_from", "valid_to"
    )
    out = []
    for pk, updated, kind, sup_id, vfrom, vto in rows:
        key = (pk, updated.isoformat())
        compiled = _cache.get(key)
        if compiled is None:
            geometry = PermittedArea.objects.values_list("geometry", flat=True).get(pk=pk)
            compiled = CompiledArea(
                pk=pk,
                shape=Area.from_geojson(geometry),
                supervisee_id=sup_id,
                exclusion=kind == PermittedArea.Kind.EXCLUSION,
                valid_from_us=_us(vfrom),
                valid_to_us=_us(vto),
            )
            _cache[key] = compiled
        out.append(compiled)
    return out
