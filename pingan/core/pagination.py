"""One page-number pagination for every list endpoint:

    {"items": [...], "count": <total>, "page": <n>, "page_size": <n>}

Use `@paginate(PagePagination)` (optionally `page_size=` for the default). The page size is capped
so a client cannot ask for the whole table, and the page number is bounded so the offset always
fits the database's integer type.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000


class PagePagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="从 1 开始的页码")
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE, description="每页条数")

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    items_attribute: str = "items"

    def __init__(self, *, page_size: int = DEFAULT_PAGE_SIZE, **kwargs: Any) -> None:
        self.page_size = min(page_size, MAX_PAGE_SIZE)
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        size = pagination.page_size or self.page_size
        offset = (pagination.page - 1) * size
        return {
            "items": queryset[offset : offset + size],
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": size,
        }
