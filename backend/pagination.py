"""Limit/offset pagination used by every list endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import msgspec
from litestar.params import Parameter

T = TypeVar("T")

MAX_PAGE = 500


class Page(msgspec.Struct, Generic[T]):
    """One page of a list: the items, the total matching and where the page starts."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int


class PageParams(msgspec.Struct, frozen=True):
    """Validated paging query parameters."""

    limit: int
    offset: int


def provide_page_params(
    limit: int = Parameter(default=100, ge=1, le=MAX_PAGE, description="page size"),
    offset: int = Parameter(default=0, ge=0, description="items to skip"),
) -> PageParams:
    """Paging parameters from the query string."""
    return PageParams(limit=limit, offset=offset)
