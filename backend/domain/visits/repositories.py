"""Tenant-scoped access to visits, assignments, visit events and amendments."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantRepository, TenantScope
from backend.domain.people.models import CarePackage, Carer, VisitTemplate
from backend.domain.visits.models import Amendment, Visit, VisitAssignment, VisitEvent
from backend.domain.visits.visit_state import CHECK_KINDS
from shared.enums import AmendmentState, VisitEventKind, VisitStatus


def _days(start: date, ending: date) -> tuple[Any, Any]:
    return Visit.visit_date >= start, Visit.visit_date <= ending


def _visits_of_clients(client_ids: Collection[int]) -> Any:
    """A subquery: every visit of these clients (retention works across providers, so unscoped)."""
    return select(Visit.id).where(Visit.client_id.in_(client_ids))  # type: ignore[attr-defined]


class VisitRepository(TenantRepository[Visit]):
    """Visits of the caller's providers."""

    model = Visit

    async def of_carer_on(self, carer_id: int, day: date) -> Sequence[Visit]:
        """A carer's visits on a day, in planned order."""
        statement = (
            self.select().join(VisitAssignment, VisitAssignment.visit_id == Visit.id)
            .where(VisitAssignment.carer_id == carer_id, Visit.visit_date == day)
            .order_by(Visit.planned_start, Visit.id)
        )
        return (await self.session.execute(statement)).scalars().all()

    async def last_visit_days(self) -> dict[int, date]:
        """Each client's latest visit day (planned or past): their care has ended once it is behind them."""
        statement = self.scoped(select(Visit.client_id, func.max(Visit.visit_date))).group_by(Visit.client_id)
        return {client_id: day for client_id, day in (await self.session.execute(statement)).all()}

    async def mark_missed(self, visit_id: int) -> bool:
        """Mark a visit missed if it is still planned (a check-in arriving at the same moment wins)."""
        return await self.update_where({"status": VisitStatus.MISSED}, Visit.id == visit_id,
                                       Visit.status == VisitStatus.PLANNED) == 1

    async def id_chunks_between(self, start: date, ending: date, chunk: int, *, provider_id: int | None = None,
                                client_id: int | None = None) -> AsyncIterator[list[int]]:
        """The ids of the visits between two days (inclusive), by client, start and id, ``chunk`` at a time.

        On PostgreSQL they stream from a server-side cursor on a connection of its own (a cursor cannot
        share its connection with other queries, and the caller queries between chunks); SQLite has a
        single connection, so its ids (a few bytes a visit) are read at once.
        """
        statement = self.scoped(select(Visit.id)).where(*_days(start, ending))
        if provider_id is not None:
            statement = statement.where(Visit.provider_id == provider_id)
        if client_id is not None:
            statement = statement.where(Visit.client_id == client_id)
        statement = statement.order_by(Visit.client_id, Visit.planned_start, Visit.id)
        if self.session.get_bind().dialect.name != "postgresql":
            ids = list((await self.session.execute(statement)).scalars())
            for first in range(0, len(ids), chunk):
                yield ids[first : first + chunk]
            return
        async with AsyncSession(self.session.bind) as cursor_session:
            result = await cursor_session.stream(statement.execution_options(yield_per=chunk))
            async for part in result.partitions():
                yield [row[0] for row in part]

    async def plans_of(self, visit_ids: Collection[int]) -> Sequence[Any]:
        """Each of these visits as a row: id, provider, client, date,
        planned start and end, carers needed, status, cancel reason and its care package's service type;
        by client, start and id."""
        statement = (
            self.scoped(select(
                Visit.id, Visit.provider_id, Visit.client_id, Visit.visit_date, Visit.planned_start, Visit.planned_end,
                Visit.carers_needed, Visit.status, Visit.cancel_reason, CarePackage.service_type,
            ))
            .outerjoin(VisitTemplate, VisitTemplate.id == Visit.template_id)
            .outerjoin(CarePackage, CarePackage.id == VisitTemplate.care_package_id)
            .where(self.among(Visit.id, visit_ids))
            .order_by(Visit.client_id, Visit.planned_start, Visit.id)
        )
        return await self.rows(statement)


    async def board_rows(self, day: date) -> Sequence[Any]:
        """The day's visits in planned order as light rows (no task or medication lists): id, client, planned start
        and end, status, minutes late at a check-in after missed, delivered after missed."""
        statement = self.scoped(select(
            Visit.id, Visit.client_id, Visit.planned_start, Visit.planned_end, Visit.status, Visit.late_start_minutes,
            Visit.delivered_after_missed,
        )).where(Visit.visit_date == day).order_by(Visit.planned_start, Visit.id)
        return (await self.session.execute(statement)).all()


class VisitAssignmentRepository(TenantRepository[VisitAssignment]):
    """Carer assignments of the caller's providers."""

    model = VisitAssignment

    async def carer_ids(self, visit_id: int) -> set[int]:
        """The carers assigned to a visit."""
        statement = self.scoped(select(VisitAssignment.carer_id)).where(VisitAssignment.visit_id == visit_id)
        return set((await self.session.execute(statement)).scalars())

    async def is_assigned(self, visit_id: int, carer_id: int | None) -> bool:
        """Whether a carer is assigned to a visit."""
        return await self.exists(VisitAssignment.visit_id == visit_id, VisitAssignment.carer_id == carer_id)

    async def visits_client(self, carer_id: int | None, client_id: int, since: date, until: date) -> bool:
        """Whether a carer is assigned to a visit of this client dated from ``since`` to ``until``."""
        statement = (
            self.scoped(select(VisitAssignment.id)).join(Visit, Visit.id == VisitAssignment.visit_id)
            .where(VisitAssignment.carer_id == carer_id, Visit.client_id == client_id,
                   Visit.visit_date >= since, Visit.visit_date <= until).limit(1)
        )
        return (await self.session.execute(statement)).first() is not None

    async def carers_of(self, visit_ids: Collection[int]) -> list[tuple[int, Carer]]:
        """``(visit id, carer)`` for every assignment of these visits, by carer id."""
        statement = (
            self.scoped(select(VisitAssignment.visit_id, Carer)).join(Carer, Carer.id == VisitAssignment.carer_id)
            .where(VisitAssignment.visit_id.in_(visit_ids)).order_by(Carer.id)  # type: ignore[attr-defined]
        )
        return [(visit_id, carer) for visit_id, carer in (await self.session.execute(statement)).all()]

    async def pairs_of(self, visit_ids: Collection[int]) -> Sequence[Any]:
        """``(visit id, carer id)`` of every assignment on these visits, in assignment order."""
        statement = self.scoped(select(VisitAssignment.visit_id, VisitAssignment.carer_id)).where(
            self.among(VisitAssignment.visit_id, visit_ids)
        ).order_by(VisitAssignment.id)
        return await self.rows(statement)


class VisitEventRepository(TenantRepository[VisitEvent]):
    """Device-reported visit events of the caller's providers."""

    model = VisitEvent

    async def delete_written_of_clients(self, client_ids: Collection[int]) -> int:
        """Delete the case notes and concerns written at these clients' visits; returns how many."""
        return await self.delete_where(
            VisitEvent.kind.in_((VisitEventKind.NOTE, VisitEventKind.CONCERN)),  # type: ignore[attr-defined]
            VisitEvent.visit_id.in_(_visits_of_clients(client_ids)),  # type: ignore[attr-defined]
        )

    async def carer_ids(self, visit_id: int, kind: VisitEventKind) -> set[int]:
        """The carers who recorded an event of this kind on a visit."""
        statement = self.scoped(select(VisitEvent.carer_id)).where(VisitEvent.visit_id == visit_id, VisitEvent.kind == kind)
        return set((await self.session.execute(statement)).scalars())

    async def checks_of(self, visit_ids: Collection[int]) -> Sequence[VisitEvent]:
        """The check-ins and check-outs of these visits."""
        return await self.of_kinds(visit_ids, CHECK_KINDS)

    async def of_kinds(self, visit_ids: Collection[int], kinds: Collection[VisitEventKind]) -> Sequence[VisitEvent]:
        """These visits' events of these kinds, in device-time order."""
        return await self.list(
            VisitEvent.visit_id.in_(visit_ids),  # type: ignore[attr-defined]
            VisitEvent.kind.in_(tuple(kinds)),  # type: ignore[attr-defined]
            order_by=(VisitEvent.device_time, VisitEvent.id),
        )

    async def check_rows_of(self, visit_ids: Collection[int]) -> Sequence[Any]:
        """The check-ins and check-outs on these visits, in device-time order, as rows:
        visit, carer, kind, device time, method, verified, reason, review state."""
        statement = self.scoped(select(
            VisitEvent.visit_id, VisitEvent.carer_id, VisitEvent.kind, VisitEvent.device_time, VisitEvent.method,
            VisitEvent.verified, VisitEvent.reason, VisitEvent.review_state,
        )).where(
            self.among(VisitEvent.visit_id, visit_ids),
            VisitEvent.kind.in_(CHECK_KINDS),  # type: ignore[attr-defined]
        ).order_by(VisitEvent.device_time, VisitEvent.id)
        return await self.rows(statement)


    async def verified_on(self, day: date) -> dict[int, bool]:
        """Per visit of the day with a check-in or check-out: whether every one counts as verified (verified
        electronically, or approved on review), in one aggregate instead of every event."""
        counts = case((or_(VisitEvent.verified.is_(True), VisitEvent.review_state == AmendmentState.APPROVED), 1), else_=0)
        statement = (
            self.scoped(select(VisitEvent.visit_id, func.min(counts)))
            .join(Visit, Visit.id == VisitEvent.visit_id)
            .where(Visit.visit_date == day, VisitEvent.kind.in_(CHECK_KINDS))  # type: ignore[attr-defined]
            .group_by(VisitEvent.visit_id)
        )
        return {visit_id: bool(verified) for visit_id, verified in (await self.session.execute(statement)).all()}


class AmendmentRepository(TenantRepository[Amendment]):
    """Amendments of the caller's providers."""

    model = Amendment

    async def delete_of_clients(self, client_ids: Collection[int]) -> int:
        """Delete the amendments of these clients' visits; returns how many."""
        return await self.delete_where(Amendment.visit_id.in_(_visits_of_clients(client_ids)))  # type: ignore[attr-defined]

    async def approved_rows_of(self, visit_ids: Collection[int]) -> Sequence[Any]:
        """The approved amendments of these visits, in the order they were decided,
        as rows: id, visit, reason code, changes, created, decided."""
        statement = self.scoped(select(
            Amendment.id, Amendment.visit_id, Amendment.reason_code, Amendment.changes, Amendment.created_at,
            Amendment.decided_at,
        )).where(
            self.among(Amendment.visit_id, visit_ids),
            Amendment.state == "approved",
        ).order_by(Amendment.decided_at, Amendment.created_at, Amendment.id)
        return await self.rows(statement)
