"""Tenant-scoped access to visits, assignments, visit events and amendments."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import DateTime, Select, Text, and_, bindparam, case, cast, exists, func, literal, literal_column, null, or_, select, text, type_coerce, union_all, update
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.database.tenancy import TenantRepository, TenantScope
from backend.domain.audit.repositories import append_row, append_row_sql, audit_bindparams, audit_values
from backend.domain.alerts.repositories import RESOLVED_AT, AlertRepository, open_on_visit, resolve_open_on_visit_sql
from backend.domain.people.models import CarePackage, Carer, Client, VisitTemplate
from backend.domain.visits.models import Amendment, Visit, VisitAssignment, VisitEvent
from backend.domain.visits.visit_state import CHECK_KINDS
from shared.enums import AlertKind, AmendmentState, VisitEventKind, VisitStatus
from shared.timekeeping import utc_now

LATENESS_KINDS = (AlertKind.LATE_VISIT, AlertKind.MISSED_VISIT)


def _days(start: date, ending: date) -> tuple[Any, Any]:
    return Visit.visit_date >= start, Visit.visit_date <= ending


_VISIT_ORDER = (Visit.client_id, Visit.planned_start, Visit.id)
"""The order a period's visits are billed and exported in (by client, start and id)."""


def _visits_between(start: date, ending: date, provider_id: int | None, client_id: int | None) -> list[Any]:
    """Filters naming the visits between two days (inclusive), of one provider or client if given."""
    clauses = list(_days(start, ending))
    if provider_id is not None:
        clauses.append(Visit.provider_id == provider_id)
    if client_id is not None:
        clauses.append(Visit.client_id == client_id)
    return clauses


def _as_read(column: Any, streamed: bool) -> Any:
    """A UTC time column as PostgreSQL's driver answers it (aware, in UTC) when ``streamed``: a week's stream reads
    a million times, and :class:`UTCDateTime`'s check of each one would cost more than the read itself."""
    return type_coerce(column, DateTime(timezone=True)).label(column.key) if streamed else column


def _plans(streamed: bool = False) -> Select[Any]:
    """Visits as plan rows: id, provider, client, date, planned start and end, carers needed, status, cancel reason
    and its care package's service type."""
    return (
        select(Visit.id, Visit.provider_id, Visit.client_id, Visit.visit_date, _as_read(Visit.planned_start, streamed),
               _as_read(Visit.planned_end, streamed), Visit.carers_needed, Visit.status, Visit.cancel_reason,
               CarePackage.service_type)
        .outerjoin(VisitTemplate, VisitTemplate.id == Visit.template_id)
        .outerjoin(CarePackage, CarePackage.id == VisitTemplate.care_package_id)
    )


def _visits_of_clients(client_ids: Collection[int]) -> Any:
    """A subquery: every visit of these clients (retention works across providers, so unscoped)."""
    return select(Visit.id).where(Visit.client_id.in_(client_ids))  # type: ignore[attr-defined]


class VisitRepository(TenantRepository[Visit]):
    """Visits of the caller's providers."""

    model = Visit

    async def last_visit_days(self) -> dict[int, date]:
        """Each client's latest visit day (planned or past): their care has ended once it is behind them."""
        statement = self.scoped(select(Visit.client_id, func.max(Visit.visit_date))).group_by(Visit.client_id)
        return {client_id: day for client_id, day in (await self.session.execute(statement)).all()}

    async def mark_missed(self, visit_id: int) -> bool:
        """Mark a visit missed if it is still planned (a check-in arriving at the same moment wins)."""
        return await self.update_where({"status": VisitStatus.MISSED}, Visit.id == visit_id,
                                       Visit.status == VisitStatus.PLANNED) == 1

    async def ids_between(self, start: date, ending: date, *, provider_id: int | None = None,
                          client_id: int | None = None) -> list[int]:
        """The ids of the visits between two days (inclusive), by client, start and id, read at once (a few bytes
        a visit: for SQLite, whose single connection cannot keep a cursor open beside other queries)."""
        statement = self.scoped(select(Visit.id)).where(*_visits_between(start, ending, provider_id, client_id))
        return list((await self.session.execute(statement.order_by(*_VISIT_ORDER))).scalars())

    async def plans_of(self, visit_ids: Collection[int]) -> Sequence[Any]:
        """Each of these visits as a plan row (:func:`_plans`), by client, start and id."""
        return await self.rows(self.scoped(_plans()).where(self.among(Visit.id, visit_ids)).order_by(*_VISIT_ORDER))

    def plan_batches(self, start: date, ending: date, size: int, *, provider_id: int | None = None,
                     client_id: int | None = None) -> AsyncIterator[Sequence[Any]]:
        """The plan rows (:func:`_plans`) of the visits between two days, by client, start and id, ``size`` at a
        time from a server-side cursor (PostgreSQL)."""
        statement = self.scoped(_plans(streamed=True)).where(*_visits_between(start, ending, provider_id, client_id))
        return self.batches(statement.order_by(*_VISIT_ORDER), size)

    async def board_rows(self, day: date) -> Sequence[Any]:
        """The day's visits in planned order as light rows (no task or medication lists): id, client, planned start
        and end, status, minutes late at a check-in after missed, delivered after missed, and whether its checks
        count as verified (verified electronically, or approved on review; ``None`` before any check).

        The verdict is one look-up by visit per row: the database reads the day's checks through the visits,
        never the provider's whole history of events."""
        counts = case((or_(VisitEvent.verified.is_(True), VisitEvent.review_state == AmendmentState.APPROVED), 1), else_=0)
        verdict = (
            select(func.min(counts)).where(VisitEvent.visit_id == Visit.id, self.in_scope(VisitEvent.provider_id),
                                           VisitEvent.kind.in_(CHECK_KINDS))  # type: ignore[attr-defined]
            .scalar_subquery()
        )
        statement = self.scoped(select(
            Visit.id, Visit.client_id, Visit.planned_start, Visit.planned_end, Visit.status, Visit.late_start_minutes,
            Visit.delivered_after_missed, verdict,
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

    def pair_batches(self, start: date, ending: date, size: int, *, provider_id: int | None = None,
                     client_id: int | None = None) -> AsyncIterator[Sequence[Any]]:
        """``(client id, planned start, visit id, carer id)`` of every assignment on the visits between two days, in
        the visits' order (client, start, id) then assignment order, ``size`` at a time (PostgreSQL)."""
        statement = (
            self.scoped(select(Visit.client_id, _as_read(Visit.planned_start, True), VisitAssignment.visit_id,
                               VisitAssignment.carer_id))
            .join(Visit, Visit.id == VisitAssignment.visit_id)
            .where(self.in_scope(Visit.provider_id), *_visits_between(start, ending, provider_id, client_id))
            .order_by(*_VISIT_ORDER, VisitAssignment.id)
        )
        return self.batches(statement, size)

    async def pairs_of(self, visit_ids: Collection[int]) -> Sequence[Any]:
        """``(visit id, carer id)`` of every assignment on these visits, in assignment order."""
        statement = self.scoped(select(VisitAssignment.visit_id, VisitAssignment.carer_id)).where(
            self.among(VisitAssignment.visit_id, visit_ids)
        ).order_by(VisitAssignment.id)
        return await self.rows(statement)


_CHECK_COLUMNS = (VisitEvent.visit_id, VisitEvent.carer_id, VisitEvent.kind, VisitEvent.device_time, VisitEvent.method,
                  VisitEvent.verified, VisitEvent.reason, VisitEvent.review_state)


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

    def check_batches(self, start: date, ending: date, size: int, *, provider_id: int | None = None,
                      client_id: int | None = None) -> AsyncIterator[Sequence[Any]]:
        """The check-ins and check-outs on the visits between two days as rows led by their visit's client and
        planned start (then as :meth:`check_rows_of`), in the visits' order (client, start, id) then device-time
        order, ``size`` at a time (PostgreSQL)."""
        statement = (
            self.scoped(select(Visit.client_id, _as_read(Visit.planned_start, True),
                               *(_as_read(c, True) if c is VisitEvent.device_time else c for c in _CHECK_COLUMNS)))
            .join(Visit, Visit.id == VisitEvent.visit_id)
            .where(self.in_scope(Visit.provider_id), *_visits_between(start, ending, provider_id, client_id),
                   VisitEvent.kind.in_(CHECK_KINDS))  # type: ignore[attr-defined]
            .order_by(*_VISIT_ORDER, VisitEvent.device_time, VisitEvent.id)
        )
        return self.batches(statement, size)

    async def check_rows_of(self, visit_ids: Collection[int]) -> Sequence[Any]:
        """The check-ins and check-outs on these visits, in device-time order, as rows:
        visit, carer, kind, device time, method, verified, reason, review state."""
        statement = self.scoped(select(*_CHECK_COLUMNS)).where(
            self.among(VisitEvent.visit_id, visit_ids),
            VisitEvent.kind.in_(CHECK_KINDS),  # type: ignore[attr-defined]
        ).order_by(VisitEvent.device_time, VisitEvent.id)
        return await self.rows(statement)


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


def _rota() -> Select[Any]:
    """A carer's day in one read: each of their visits on ``day`` (in ``provider_id``) with its client, then one row
    per person on it, the visit's assigned carers (by carer id) and its check-ins, check-outs and notes (by device
    time), so a visit is one row or more in planned order. JSON columns come as text, decoded once per visit."""
    visit, client, assignment, event, carer = (Visit.__table__, Client.__table__, VisitAssignment.__table__,  # type: ignore[attr-defined]
                                               VisitEvent.__table__, Carer.__table__)  # type: ignore[attr-defined]
    provider = bindparam("provider_id")
    mine = assignment.alias("mine")
    # The carer's visits of the day, found once (a CTE used three times: SQLite and PostgreSQL compute it once)
    # rather than by each part of the union and the outer query: on a busy day each was hundreds of look-ups.
    days = (select(mine.c.visit_id).join(visit, visit.c.id == mine.c.visit_id)
            .where(mine.c.carer_id == bindparam("carer_id"), visit.c.visit_date == bindparam("day"),
                   visit.c.provider_id == provider).cte("days"))
    days_visits = select(days.c.visit_id)
    # Events first: the union's column types (times, flags) come from its first select. Their rows' provider is
    # checked at the join against the visit's (in scope), so SQLite looks them up by visit, not provider.
    people = union_all(
        select(event.c.visit_id, event.c.provider_id, literal_column("1").label("part"), event.c.carer_id,
               null().label("carer_name"), null().label("carer_order"), event.c.kind, event.c.device_time,
               cast(event.c.payload, Text).label("payload"), event.c.verified, event.c.review_state,
               event.c.id.label("event_id"))
        .where(event.c.visit_id.in_(days_visits),
               event.c.kind.in_([literal_column(f"'{kind}'") for kind in (*CHECK_KINDS, VisitEventKind.NOTE)])),
        select(assignment.c.visit_id, assignment.c.provider_id, literal_column("0"), assignment.c.carer_id, carer.c.name,
               assignment.c.carer_id, null(), null(), null(), null(), null(), null())
        .join(carer, carer.c.id == assignment.c.carer_id).where(assignment.c.visit_id.in_(days_visits)),
    ).subquery("people")
    return (
        select(visit.c.id, visit.c.planned_start, visit.c.planned_end, visit.c.carers_needed, visit.c.status,
               cast(visit.c.tasks, Text).label("tasks"), cast(visit.c.medications, Text).label("medications"),
               client.c.id.label("client_id"), client.c.name.label("client_name"), client.c.address, client.c.postcode,
               client.c.lat, client.c.lon, client.c.access_notes,
               people.c.part, people.c.carer_id, people.c.carer_name, people.c.kind, people.c.device_time,
               people.c.payload, people.c.verified, people.c.review_state)
        .select_from(days.join(visit, visit.c.id == days.c.visit_id).join(client, client.c.id == visit.c.client_id)
                     .outerjoin(people, and_(people.c.visit_id == visit.c.id, people.c.provider_id == visit.c.provider_id)))
        .where(visit.c.provider_id == provider, client.c.provider_id == provider)
        .order_by(visit.c.planned_start, visit.c.id, people.c.part, people.c.carer_order, people.c.device_time,
                  people.c.event_id)
    )


_ROTA = _rota()  # built once: a read binds its values only


class RotaRepository:
    """The carer's day as the phone polls it: one statement, rows without the ORM."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        if scope.provider_ids is None or len(scope.provider_ids) != 1:
            raise ValueError("a carer's day is read within their one provider")
        self.session = session
        (self.provider_id,) = scope.provider_ids

    async def rows(self, carer_id: int, day: date) -> Sequence[Any]:
        """The rows of :func:`_rota` for this carer and day."""
        values = {"carer_id": carer_id, "day": day, "provider_id": self.provider_id}
        return (await (await self.session.connection()).execute(_ROTA, values)).all()


def _action_context() -> Select[Any]:
    """What any carer action needs, in one read: the visit (in scope) with its client's geofence and tag, the event
    already stored under the idempotency key, and whether this carer is assigned, has checked in or out, whether
    every other carer has checked out, and whether a lateness alert is open. The anchor row makes the answer one
    row even when the visit is not found, so a replay is still recognised."""
    visit, event, assignment, client = (Visit.__table__, VisitEvent.__table__,  # type: ignore[attr-defined]
                                        VisitAssignment.__table__, Client.__table__)  # type: ignore[attr-defined]
    previous, other, their_event = event.alias("previous"), assignment.alias("other"), event.alias("theirs")
    carer, provider = bindparam("carer_id"), bindparam("provider_id")

    def mine(kind: VisitEventKind) -> Any:
        return exists().where(event.c.visit_id == visit.c.id, event.c.carer_id == carer, event.c.kind == kind)

    others_checked_out = ~exists().where(
        other.c.visit_id == visit.c.id, other.c.carer_id != carer,
        ~exists().where(their_event.c.visit_id == other.c.visit_id, their_event.c.carer_id == other.c.carer_id,
                        their_event.c.kind == VisitEventKind.CHECK_OUT),
    )
    anchor = select(literal(1).label("one")).subquery("anchor")
    return select(
        *(column.label(f"visit_{column.name}") for column in visit.c),
        client.c.lat, client.c.lon, client.c.geofence_radius_m, client.c.tag_secret, client.c.tag_version,
        previous.c.id.label("previous_id"), previous.c.carer_id.label("previous_carer_id"),
        previous.c.result.label("previous_result"), previous.c.fingerprint.label("previous_fingerprint"),
        exists().where(assignment.c.visit_id == visit.c.id, assignment.c.carer_id == carer).label("assigned"),
        mine(VisitEventKind.CHECK_IN).label("checked_in"), mine(VisitEventKind.CHECK_OUT).label("checked_out"),
        others_checked_out.label("others_checked_out"),
        open_on_visit(visit.c.id, LATENESS_KINDS).label("lateness_open"),
    ).select_from(
        anchor.outerjoin(visit, and_(visit.c.id == bindparam("visit_id"), visit.c.provider_id == provider))
        .outerjoin(client, client.c.id == visit.c.client_id)
        .outerjoin(previous, and_(previous.c.idempotency_key == bindparam("key"), previous.c.provider_id == provider))
    )


_ACTION_CONTEXT = _action_context()  # built once: an action only binds its values


def _insert_event() -> Any:
    # ``ON CONFLICT`` inserts are never cached by SQLAlchemy (it would compile one on every check-in), so the
    # statement is written once as text, the same on SQLite and PostgreSQL, with the columns' types for binding.
    table = VisitEvent.__table__  # type: ignore[attr-defined]
    columns = [column for column in table.columns if column.name != "id"]
    return text(
        f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
        f"VALUES ({', '.join(':' + c.name for c in columns)}) "
        "ON CONFLICT (provider_id, idempotency_key) DO NOTHING RETURNING id"
    ).bindparams(*(bindparam(c.name, type_=c.type) for c in columns))


_INSERT_EVENT = _insert_event()


_EVENT_COLUMNS = tuple(c.name for c in VisitEvent.__table__.columns if c.name != "id")  # type: ignore[attr-defined]
_EVENT_DEFAULTS: dict[str, Any] = dict.fromkeys(_EVENT_COLUMNS)
_VISIT_TABLE = Visit.__table__  # type: ignore[attr-defined]
_VISIT_COLUMNS = tuple(column.name for column in _VISIT_TABLE.columns)
# The SET clause comes from the changed columns given at execution; the row is named by b_id and b_provider_id.
_UPDATE_VISIT = update(_VISIT_TABLE).where(_VISIT_TABLE.c.id == bindparam("b_id"),
                                           _VISIT_TABLE.c.provider_id == bindparam("b_provider_id"))


@lru_cache(maxsize=None)
def _record_action(changed: tuple[str, ...], resolve_lateness: bool) -> TextClause:
    """PostgreSQL: the event (unless its key is taken), the visit's ``changed`` columns, the audit row, whose detail
    names the event, and (``resolve_lateness``) the resolution of the visit's lateness alerts, as one statement
    (data-modifying ``WITH`` parts): atomic by itself, so an action's writes are one round trip with no transaction
    around them. Nothing but the event is attempted when the key is taken; it returns the event's id, if any."""
    event = VisitEvent.__table__  # type: ignore[attr-defined]
    event_columns = [column for column in event.columns if column.name != "id"]
    parts = [
        f"event AS (INSERT INTO {event.name} ({', '.join(c.name for c in event_columns)}) "
        f"VALUES ({', '.join(':' + c.name for c in event_columns)}) "
        "ON CONFLICT (provider_id, idempotency_key) DO NOTHING RETURNING id)",
        "audit AS (" + append_row_sql(
            "event", "json_build_object('event_id', event.id, 'idempotency_key', CAST(:idempotency_key AS TEXT))") + ")",
    ]
    if changed:
        parts.append(
            f"changed AS (UPDATE {_VISIT_TABLE.name} SET {', '.join(f'{name} = :v_{name}' for name in changed)} "
            "WHERE id = :b_id AND provider_id = :b_provider_id AND EXISTS (SELECT 1 FROM event))")
    if resolve_lateness:
        parts.append(f"resolved AS ({resolve_open_on_visit_sql(LATENESS_KINDS, 'EXISTS (SELECT 1 FROM event)')})")
    return text("WITH " + ", ".join(parts) + " SELECT id FROM event").bindparams(
        *(bindparam(c.name, type_=c.type) for c in event_columns), *audit_bindparams(),
        *(bindparam("v_" + name, type_=_VISIT_TABLE.c[name].type) for name in changed),
        *((RESOLVED_AT,) if resolve_lateness else ()))


class CarerActionRepository:
    """The carer's hot path (check-in/out, notes, sync) in as few statements as the work allows, within the carer's
    provider. Statements go straight to the session's connection: the ORM session's execution layer costs more
    than these small statements themselves, and they load no ORM objects."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        if scope.provider_ids is None or len(scope.provider_ids) != 1:
            raise ValueError("a carer acts within their one provider")
        self.session = session
        self.scope = scope
        (self.provider_id,) = scope.provider_ids
        self._connection: AsyncConnection | None = None

    async def connection(self) -> AsyncConnection:
        """The session's connection, in its transaction."""
        if self._connection is None:
            self._connection = await self.session.connection()
        return self._connection

    async def context(self, visit_id: int, carer_id: int, key: str) -> RowMapping:
        """The one read of :func:`_action_context` (``visit_id`` is ``None`` when the visit is not in scope)."""
        result = await (await self.connection()).execute(
            _ACTION_CONTEXT, {"visit_id": visit_id, "carer_id": carer_id, "key": key, "provider_id": self.provider_id})
        return result.mappings().one()

    @staticmethod
    def visit_of(context: RowMapping) -> Any:
        """The context's visit as a plain record with a :class:`Visit`'s attributes, for the action to change in
        place (:meth:`changes` and :meth:`record` write it back); building an ORM object costs more."""
        return SimpleNamespace(**{name: context[f"visit_{name}"] for name in _VISIT_COLUMNS})

    @staticmethod
    def new_event(**values: Any) -> Any:
        """A visit event to fill in and :meth:`record`: a plain record with a :class:`VisitEvent`'s columns."""
        return SimpleNamespace(**{**_EVENT_DEFAULTS, "payload": {}, "result": {}, "server_time": utc_now(), **values})

    @staticmethod
    def changes(visit: Any, context: RowMapping) -> dict[str, Any]:
        """The columns of a visit from :meth:`visit_of` that differ from what the context read."""
        return {name: value for name in _VISIT_COLUMNS if (value := getattr(visit, name)) != context[f"visit_{name}"]}

    async def record(self, event: Any, visit: Any, changes: dict[str, Any], audit: dict[str, Any],
                     resolve_lateness_at: datetime | None = None) -> int | None:
        """Store an action: the event unless its idempotency key is taken (a concurrent twin won), and with it the
        visit's changed columns, the audit row (``audit``, whose detail gets the event's id) and, given a time, the
        resolution of the visit's open lateness alerts. Returns the event's id, or ``None`` with nothing written.
        One statement on PostgreSQL (:func:`_record_action`); three or four in the session's transaction on SQLite."""
        connection = await self.connection()
        values = {name: getattr(event, name) for name in _EVENT_COLUMNS}
        if connection.dialect.name == "postgresql":
            statement = _record_action(tuple(sorted(changes)), resolve_lateness_at is not None)
            values |= audit_values(audit) | {f"v_{name}": value for name, value in changes.items()}
            values |= {"b_id": visit.id, "b_provider_id": visit.provider_id}
            if resolve_lateness_at is not None:
                values["alert_resolved_at"] = resolve_lateness_at
            return (await connection.execute(statement, values)).scalar_one_or_none()
        event_id = (await connection.execute(_INSERT_EVENT, values)).scalar_one_or_none()
        if event_id is None:
            return None
        if changes:
            await connection.execute(_UPDATE_VISIT, {**changes, "b_id": visit.id, "b_provider_id": visit.provider_id})
        await append_row(connection, {**audit, "detail": {"event_id": event_id, **audit["detail"]}})
        if resolve_lateness_at is not None:
            await AlertRepository(self.session, self.scope).resolve_open_on_visit(visit.id, LATENESS_KINDS, resolve_lateness_at)
        return event_id
