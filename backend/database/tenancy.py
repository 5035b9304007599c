"""Tenant-scoped repositories: the one place provider isolation is enforced.

Every query on provider-owned rows goes through :class:`TenantRepository`,
which adds the caller's provider filter itself, so a controller cannot forget it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import msgspec
from sqlalchemy import Integer, Select, any_, bindparam, delete, func, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

ModelT = TypeVar("ModelT", bound=SQLModel)


class TenantScope(msgspec.Struct, frozen=True):
    """The providers whose rows a caller may see. ``None`` means every provider (system jobs only)."""

    provider_ids: frozenset[int] | None

    @classmethod
    def system(cls) -> TenantScope:
        """Unrestricted scope for the scheduler, seeding and migrations, never for a request."""
        return cls(None)

    @classmethod
    def single(cls, provider_id: int) -> TenantScope:
        """The scope of a provider's own staff."""
        return cls(frozenset({provider_id}))

    def allows(self, provider_id: int | None) -> bool:
        """Whether a row of ``provider_id`` is visible in this scope."""
        return self.provider_ids is None or provider_id in self.provider_ids


class OutOfScopeError(PermissionError):
    """A write named a provider outside the caller's scope."""


def _ordered(statement: Select[Any], order_by: Any) -> Select[Any]:
    """``ORDER BY`` one column, or several given as a tuple."""
    if order_by is None:
        return statement
    return statement.order_by(*order_by) if isinstance(order_by, tuple) else statement.order_by(order_by)


class TenantRepository(Generic[ModelT]):
    """CRUD for one provider-owned table, always filtered to the caller's scope."""

    model: ClassVar[type[SQLModel]]

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    def scoped(self, statement: Any) -> Any:
        """Add the tenancy filter to a select, update or delete over this repository's table."""
        if self.scope.provider_ids is None:
            return statement
        return statement.where(self.model.provider_id.in_(self.scope.provider_ids))  # type: ignore[attr-defined]

    def in_scope(self, column: Any) -> Any:
        """A filter keeping rows whose ``column`` (another table's provider) is in scope, for joined tables."""
        if self.scope.provider_ids is None:
            return true()
        return column.in_(self.scope.provider_ids)

    async def batches(self, statement: Any, size: int) -> AsyncIterator[Sequence[Any]]:
        """The rows of a select of columns ``size`` at a time, from a server-side cursor on a connection of its own
        (PostgreSQL): a cursor cannot share its connection with other queries, and memory holds one batch."""
        async with self.session.bind.connect() as connection:  # type: ignore[union-attr]
            result = await connection.stream(statement.execution_options(yield_per=size))
            async for part in result.partitions():
                yield part

    def among(self, column: Any, ids: Collection[int]) -> Any:
        """``column IN ids``; on PostgreSQL one integer-array parameter (``= ANY``), so a list of thousands of ids
        is neither rendered as thousands of placeholders nor planned anew for each length."""
        if self.session.get_bind().dialect.name == "postgresql":
            return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
        return column.in_(ids)

    async def rows(self, statement: Any) -> Sequence[Any]:
        """The rows of a select of columns, executed on the session's connection without the ORM's row loading
        (much cheaper per row for bulk reads such as a week's visits)."""
        return (await (await self.session.connection()).execute(statement)).all()

    def select(self) -> Select[Any]:
        """A scoped ``SELECT`` of this table, ready for further filters."""
        return self.scoped(select(self.model))

    async def get(self, row_id: int) -> ModelT | None:
        """The row with this id, or ``None`` if it does not exist or belongs to another provider."""
        statement = self.select().where(self.model.id == row_id)  # type: ignore[attr-defined]
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def list(self, *filters: Any, order_by: Any = None, limit: int | None = None, offset: int = 0) -> Sequence[ModelT]:
        """Rows matching the filters within scope (``order_by`` one column or a tuple of them)."""
        statement = _ordered(self.select().where(*filters), order_by)
        if limit is not None:
            statement = statement.limit(limit).offset(offset)
        return (await self.session.execute(statement)).scalars().all()

    async def first(self, *filters: Any, order_by: Any = None) -> ModelT | None:
        """The first row matching the filters within scope (in ``order_by`` order), or ``None``."""
        statement = _ordered(self.select().where(*filters), order_by)
        return (await self.session.execute(statement.limit(1))).scalars().first()

    async def exists(self, *filters: Any) -> bool:
        """Whether any row within scope matches the filters."""
        statement = self.scoped(select(self.model.id)).where(*filters).limit(1)  # type: ignore[attr-defined]
        return (await self.session.execute(statement)).first() is not None

    async def update_where(self, values: dict[str, Any], *filters: Any) -> int:
        """Set ``values`` on the rows within scope matching the filters, in one statement; returns how many."""
        statement = self.scoped(update(self.model)).where(*filters).values(**values)
        result = await self.session.execute(statement.execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def delete_where(self, *filters: Any) -> int:
        """Delete the rows within scope matching the filters, in one statement; returns how many."""
        statement = self.scoped(delete(self.model)).where(*filters)
        result = await self.session.execute(statement.execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count(self, *filters: Any) -> int:
        """How many rows match the filters within scope."""
        statement = self.scoped(select(func.count()).select_from(self.model)).where(*filters)
        return int((await self.session.execute(statement)).scalar_one())

    async def add(self, row: ModelT) -> ModelT:
        """Insert a row after checking it belongs to a provider in scope."""
        if not self.scope.allows(row.provider_id):  # type: ignore[attr-defined]
            raise OutOfScopeError(f"provider {row.provider_id} is outside the caller's scope")  # type: ignore[attr-defined]
        self.session.add(row)
        await self.session.flush()
        return row
