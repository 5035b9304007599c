"""Hub-scoped access to hubs, clinicians and enrolments: every query is filtered to the caller's hub.

The hub's tenancy mirrors a provider's (``backend/database/tenancy.py``): the filter is added here,
once, so a controller cannot forget it. ``None`` as the hub means every hub (scheduled jobs only).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from backend.database.tenancy import OutOfScopeError, TenantRepository
from backend.domain.telehealth.models import (
    CaseloadChange,
    CaseloadSign,
    Clinician,
    Enrolment,
    Hub,
    Intervention,
    SmsMessage,
)
from backend.domain.telehealth.needs import FOLLOW_UP_EXTRA, HISTORY, MISSING_EXTRA, OVERDUE_DAYS_CAP, WEIGHT
from shared.enums import EnrolmentState, Rag

ModelT = TypeVar("ModelT", bound=SQLModel)

OPEN_STATES = (EnrolmentState.ACTIVE, EnrolmentState.STEPPED_DOWN)
"""An enrolment in these states lets the hub see the person's data."""


class HubRepository(Generic[ModelT]):
    """Rows of one hub-owned table, always filtered to the caller's hub."""

    model: ClassVar[type[SQLModel]]

    def __init__(self, session: AsyncSession, hub_id: int | None) -> None:
        self.session = session
        self.hub_id = hub_id

    def select(self) -> Any:
        """A ``SELECT`` of this table within the hub, ready for further filters."""
        statement = select(self.model)
        if self.hub_id is None:
            return statement
        return statement.where(self.model.hub_id == self.hub_id)  # type: ignore[attr-defined]

    async def get(self, row_id: int) -> ModelT | None:
        """The row with this id, or ``None`` if it does not exist or belongs to another hub."""
        return (await self.session.execute(self.select().where(self.model.id == row_id))).scalar_one_or_none()  # type: ignore[attr-defined]

    async def list(self, *filters: Any, order_by: Any = None, limit: int | None = None, offset: int = 0) -> Sequence[ModelT]:
        """Rows of the hub matching the filters."""
        statement = self.select().where(*filters)
        if order_by is not None:
            statement = statement.order_by(order_by)
        if limit is not None:
            statement = statement.limit(limit).offset(offset)
        return (await self.session.execute(statement)).scalars().all()

    async def count(self, *filters: Any) -> int:
        """How many rows of the hub match the filters."""
        statement = select(func.count()).select_from(self.select().where(*filters).subquery())
        return int((await self.session.execute(statement)).scalar_one())

    async def add(self, row: ModelT) -> ModelT:
        """Insert a row after checking it belongs to the caller's hub."""
        if self.hub_id is not None and row.hub_id != self.hub_id:  # type: ignore[attr-defined]
            raise OutOfScopeError(f"hub {row.hub_id} is not the caller's hub")  # type: ignore[attr-defined]
        self.session.add(row)
        await self.session.flush()
        return row


class HubRecords:
    """The hubs themselves (a hub row is its own tenancy key)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, hub_id: int) -> Hub | None:
        """The hub with this id."""
        return await self.session.get(Hub, hub_id)

    async def ids_of_authority(self, authority_id: int) -> list[int]:
        """The hubs an authority commissions, by id."""
        statement = select(Hub.id).where(Hub.authority_id == authority_id).order_by(Hub.id)
        return list((await self.session.execute(statement)).scalars())


class ClinicianRepository(HubRepository[Clinician]):
    """The clinicians of the caller's hub."""

    model = Clinician

    async def of_user(self, user_id: int) -> Clinician | None:
        """The clinician record of a user account (sign-in looks it up before any hub is known)."""
        statement = self.select().where(Clinician.user_id == user_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def on_call(self) -> list[Clinician]:
        """The hub's clinicians on call now, in the order they are paged."""
        statement = self.select().where(Clinician.on_call.is_(True))  # type: ignore[attr-defined]
        return list((await self.session.execute(statement.order_by(Clinician.on_call_order, Clinician.id))).scalars())


class EnrolmentRepository(HubRepository[Enrolment]):
    """The enrolments of the caller's hub."""

    model = Enrolment

    async def open_of_client(self, client_id: int) -> Enrolment | None:
        """The person's open (active or stepped-down) enrolment with the hub, if any."""
        statement = self.select().where(Enrolment.client_id == client_id,
                                        Enrolment.state.in_(OPEN_STATES))  # type: ignore[attr-defined]
        return (await self.session.execute(statement.limit(1))).scalars().first()

    async def open_by_phone(self, phone: str) -> Enrolment | None:
        """The open enrolment whose person texts from this number (the newest, if a number moved)."""
        statement = self.select().where(Enrolment.phone == phone, Enrolment.state.in_(OPEN_STATES))  # type: ignore[attr-defined]
        return (await self.session.execute(statement.order_by(Enrolment.id.desc()).limit(1))).scalars().first()  # type: ignore[union-attr]

    async def open_of_clients(self, client_ids: Collection[int]) -> list[Enrolment]:
        """The open enrolments of these people."""
        statement = self.select().where(Enrolment.client_id.in_(client_ids), Enrolment.state.in_(OPEN_STATES))  # type: ignore[attr-defined]
        return list((await self.session.execute(statement.order_by(Enrolment.id))).scalars())

    async def by_ids(self, enrolment_ids: Collection[int]) -> dict[int, Enrolment]:
        """The hub's enrolments with these ids, by id."""
        statement = self.select().where(Enrolment.id.in_(enrolment_ids))  # type: ignore[union-attr]
        return {row.id or 0: row for row in (await self.session.execute(statement)).scalars()}

    async def open_providers(self) -> frozenset[int]:
        """The providers holding the records of the hub's people with an open enrolment."""
        statement = select(Enrolment.provider_id).distinct().where(Enrolment.state.in_(OPEN_STATES))  # type: ignore[attr-defined]
        if self.hub_id is not None:
            statement = statement.where(Enrolment.hub_id == self.hub_id)
        return frozenset((await self.session.execute(statement)).scalars())

    async def overlapping(self, hub_ids: Collection[int], start: datetime, end: datetime) -> list[Enrolment]:
        """Enrolments of these hubs open at any time between ``start`` and ``end``."""
        statement = self.select().where(
            Enrolment.hub_id.in_(hub_ids), Enrolment.enrolled_at < end,  # type: ignore[attr-defined]
            or_(Enrolment.discharged_at.is_(None), Enrolment.discharged_at > start))  # type: ignore[union-attr,operator]
        return list((await self.session.execute(statement.order_by(Enrolment.id))).scalars())

    async def open(self, conditions: Collection[str] = (), clinician_id: int | None = None) -> list[Enrolment]:
        """Every open enrolment of the hub, optionally of some conditions or one named clinician."""
        statement = self.select().where(Enrolment.state.in_(OPEN_STATES))  # type: ignore[attr-defined]
        if conditions:
            statement = statement.where(Enrolment.condition.in_(conditions))  # type: ignore[attr-defined]
        if clinician_id is not None:
            statement = statement.where(Enrolment.clinician_id == clinician_id)
        return list((await self.session.execute(statement.order_by(Enrolment.id))).scalars())


class InterventionRepository(HubRepository[Intervention]):
    """The interventions of the caller's hub."""

    model = Intervention

    async def by_key(self, key: str) -> Intervention | None:
        """The intervention first recorded with this Idempotency-Key."""
        return (await self.session.execute(self.select().where(Intervention.idempotency_key == key))).scalar_one_or_none()

    async def due(self, enrolment_ids: Collection[int], today: date) -> list[Intervention]:
        """Follow-ups of these enrolments due on or before ``today`` and not yet done, oldest first."""
        if not enrolment_ids:
            return []
        return list(await self.list(Intervention.enrolment_id.in_(enrolment_ids),  # type: ignore[attr-defined]
                                    Intervention.follow_up_on <= today,  # type: ignore[operator]
                                    Intervention.follow_up_done_at.is_(None),  # type: ignore[union-attr]
                                    order_by=Intervention.follow_up_on))

    async def any_since(self, enrolment_id: int, since: datetime) -> bool:
        """Whether anyone recorded an intervention for the enrolment at or after ``since``."""
        return await self.count(Intervention.enrolment_id == enrolment_id, Intervention.at >= since) > 0  # type: ignore[operator]

    async def of_enrolments(self, enrolment_ids: Collection[int], start: datetime, end: datetime) -> list[Intervention]:
        """Interventions of these enrolments recorded between ``start`` and ``end``."""
        if not enrolment_ids:
            return []
        return list(await self.list(Intervention.enrolment_id.in_(enrolment_ids),  # type: ignore[attr-defined]
                                    Intervention.at >= start, Intervention.at < end))  # type: ignore[operator]

    async def close_due(self, enrolment_id: int, today: date, now: datetime) -> int:
        """Mark the enrolment's due follow-ups done (a clinician has acted since); returns how many."""
        statement = update(Intervention).where(
            Intervention.enrolment_id == enrolment_id, Intervention.follow_up_on <= today,  # type: ignore[operator]
            Intervention.follow_up_done_at.is_(None)).values(follow_up_done_at=now)  # type: ignore[union-attr]
        if self.hub_id is not None:
            statement = statement.where(Intervention.hub_id == self.hub_id)
        return int((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]


class VisitRequestRepository(TenantRepository[Intervention]):
    """Interventions asking the care agency for something at the next visit, seen from the agency's side."""

    model = Intervention

    async def mark_seen(self, intervention_id: int, user_id: int, now: datetime) -> bool:
        """Record that the agency has seen the request (the first time only)."""
        return await self.update_where({"agency_seen_at": now, "agency_seen_by": user_id},
                                       Intervention.id == intervention_id,
                                       Intervention.agency_seen_at.is_(None)) == 1  # type: ignore[union-attr]


class SmsMessageRepository:
    """The message log: texts in and out, some from numbers no hub knows (so not hub-scoped on insert)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_key(self, dedupe_key: str) -> SmsMessage | None:
        """The message logged under this key (a gateway message id, or a reminder's key)."""
        statement = select(SmsMessage).where(SmsMessage.dedupe_key == dedupe_key)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, row: SmsMessage) -> SmsMessage:
        """Log a message."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def with_prefix(self, prefix: str) -> list[SmsMessage]:
        """The messages whose key starts with ``prefix`` (e.g. every text of one red episode), oldest first."""
        statement = select(SmsMessage).where(SmsMessage.dedupe_key.startswith(prefix, autoescape=True))  # type: ignore[union-attr]
        return list((await self.session.execute(statement.order_by(SmsMessage.id))).scalars())

    async def acknowledge_pages(self, phone: str, now: datetime) -> list[SmsMessage]:
        """Mark every page to this number nobody has acknowledged as acknowledged now; the pages marked."""
        statement = select(SmsMessage).where(SmsMessage.purpose == "page", SmsMessage.phone == phone,
                                             SmsMessage.acknowledged_at.is_(None))  # type: ignore[union-attr]
        pages = list((await self.session.execute(statement.order_by(SmsMessage.id))).scalars())
        for page in pages:
            page.acknowledged_at = now
        await self.session.flush()
        return pages

    async def of_hub(self, hub_id: int, limit: int, offset: int, phone: str | None = None) -> tuple[list[SmsMessage], int]:
        """A hub's messages, newest first (optionally with one number), and how many there are."""
        statement = select(SmsMessage).where(SmsMessage.hub_id == hub_id)
        if phone:
            statement = statement.where(SmsMessage.phone == phone)
        total = int((await self.session.execute(select(func.count()).select_from(statement.subquery()))).scalar_one())
        page = statement.order_by(SmsMessage.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr]
        return list((await self.session.execute(page)).scalars()), total


class CaseloadSignRepository(HubRepository[CaseloadSign]):
    """The caseload's kept signs of the hub's enrolments, and the worklist ordered from them."""

    model = CaseloadSign

    async def of_enrolments(self, enrolment_ids: Collection[int]) -> list[CaseloadSign]:
        """The kept signs of these enrolments, by enrolment and sign."""
        statement = self.select().where(CaseloadSign.enrolment_id.in_(enrolment_ids))  # type: ignore[attr-defined]
        return list((await self.session.execute(statement.order_by(CaseloadSign.enrolment_id, CaseloadSign.sign))).scalars())

    async def replace(self, client_ids: Collection[int], rows: Sequence[dict[str, Any]]) -> None:
        """Forget these people's kept signs and keep ``rows`` instead.

        An upsert, not a plain insert: two processes making the same person's signs at once then
        both succeed (the later one's rows stay) instead of one failing on the key.
        """
        statement: Any = delete(CaseloadSign).where(CaseloadSign.client_id.in_(client_ids))  # type: ignore[attr-defined]
        await self.session.execute(statement)
        if not rows:
            return
        insert = postgresql_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(CaseloadSign)
        columns = [name for name in rows[0] if name not in ("enrolment_id", "sign")]
        statement = statement.on_conflict_do_update(index_elements=[CaseloadSign.enrolment_id, CaseloadSign.sign],
                                                    set_={name: statement.excluded[name] for name in columns})
        await self.session.execute(statement, list(rows))

    def _signs_at(self, now: datetime) -> Any:
        """Per enrolment at ``now``: the score of its signs, and whether any is red or amber (1 or 0).

        A reading counts while it is at most 8 days old; a scheduled sign is overdue once its next reading
        was due, or when it has no reading that counts, adding its days overdue (capped) or the extra for a
        missing one: the rules of ``needs.need_at`` in SQL.
        """
        sign = CaseloadSign
        cutoff = now - HISTORY
        live = sign.last_at >= cutoff  # type: ignore[operator]
        missing = or_(sign.last_at.is_(None), sign.last_at < cutoff)  # type: ignore[union-attr,operator]
        overdue = and_(sign.expected_hours.is_not(None), or_(missing, sign.due_at < now))  # type: ignore[union-attr,operator]
        days = (now.timestamp() - sign.last_epoch) / 86400.0  # type: ignore[operator]
        extra = case((missing, MISSING_EXTRA), (days > OVERDUE_DAYS_CAP, OVERDUE_DAYS_CAP), else_=days)
        score = case((live, sign.weight), else_=0.0) + case((overdue, WEIGHT[Rag.AMBER] + extra), else_=0.0)
        red = case((and_(live, sign.rank == 0), 1), else_=0)
        amber = case((or_(and_(live, sign.rank == 1), overdue), 1), else_=0)
        statement = select(sign.enrolment_id, func.sum(score).label("score"), func.max(red).label("red"),
                           func.max(amber).label("amber"))
        if self.hub_id is not None:
            statement = statement.where(sign.hub_id == self.hub_id)
        return statement.group_by(sign.enrolment_id).subquery()

    def _follow_ups_due(self, today: date) -> Any:
        """Per enrolment, how many follow-ups are due by ``today`` and not done."""
        statement = select(Intervention.enrolment_id, func.count().label("due")).where(
            Intervention.follow_up_on <= today, Intervention.follow_up_done_at.is_(None))  # type: ignore[operator,union-attr]
        if self.hub_id is not None:
            statement = statement.where(Intervention.hub_id == self.hub_id)
        return statement.group_by(Intervention.enrolment_id).subquery()

    def _ranked(self, now: datetime, today: date, alerts: Any, names: Any, filters: Sequence[Any]) -> Any:
        """A subquery of the hub's open enrolments at ``now`` as (id, rank, score, name): rank 0 red, 1 amber,
        2 green; ``alerts`` is a subquery of (client_id, urgent, warning) open alert counts and ``names`` of
        (id, name) clients, each from its own area."""
        signs, follow_ups = self._signs_at(now), self._follow_ups_due(today)
        urgent, warning = func.coalesce(alerts.c.urgent, 0), func.coalesce(alerts.c.warning, 0)
        due = func.coalesce(follow_ups.c.due, 0)
        colour = case((or_(func.coalesce(signs.c.red, 0) > 0, urgent > 0), 0),
                      (or_(func.coalesce(signs.c.amber, 0) > 0, warning > 0, due > 0), 1), else_=2)
        score = (func.coalesce(signs.c.score, 0.0) + urgent * WEIGHT[Rag.RED] + warning * WEIGHT[Rag.AMBER]
                 + due * (WEIGHT[Rag.AMBER] + FOLLOW_UP_EXTRA))
        ranked = select(Enrolment.id, colour.label("rank"), score.label("score"),
                        func.coalesce(names.c.name, "").label("name")) \
            .outerjoin(signs, signs.c.enrolment_id == Enrolment.id) \
            .outerjoin(alerts, alerts.c.client_id == Enrolment.client_id) \
            .outerjoin(follow_ups, follow_ups.c.enrolment_id == Enrolment.id) \
            .outerjoin(names, names.c.id == Enrolment.client_id) \
            .where(Enrolment.state.in_(OPEN_STATES), *filters)  # type: ignore[attr-defined]
        if self.hub_id is not None:
            ranked = ranked.where(Enrolment.hub_id == self.hub_id)
        return ranked.subquery()

    async def worklist(self, now: datetime, today: date, alerts: Any, names: Any, *, filters: Sequence[Any] = (),
                       rank: int | None = None, limit: int | None = None,
                       offset: int = 0) -> tuple[list[tuple[int, int]], int]:
        """One page of the hub's open enrolments, most urgent first, as (enrolment id, colour rank), and how many
        there are: colour, then score (highest first), then the person's name, then the enrolment; ``rank``
        keeps one colour (see :meth:`_ranked` for the other arguments)."""
        table = self._ranked(now, today, alerts, names, filters)
        # Names in code-point order, as Python sorts them (PostgreSQL's default collation would not).
        name = table.c.name.collate("C") if self.session.get_bind().dialect.name == "postgresql" else table.c.name
        statement = select(table.c.id, table.c.rank, func.count().over()) \
            .order_by(table.c.rank, table.c.score.desc(), name, table.c.id)
        if rank is not None:
            statement = statement.where(table.c.rank == rank)
        if limit is not None:
            statement = statement.limit(limit).offset(offset)
        rows = (await self.session.execute(statement)).all()
        if rows or not offset:
            return [(row[0], row[1]) for row in rows], rows[0][2] if rows else 0
        counted = select(func.count()).select_from(table)
        if rank is not None:
            counted = counted.where(table.c.rank == rank)
        return [], int((await self.session.execute(counted)).scalar_one())

    async def rank_counts(self, now: datetime, today: date, alerts: Any, names: Any,
                          filters: Sequence[Any] = ()) -> dict[int, int]:
        """How many of the hub's open enrolments are of each colour rank at ``now`` (see :meth:`_ranked`)."""
        table = self._ranked(now, today, alerts, names, filters)
        statement = select(table.c.rank, func.count()).group_by(table.c.rank)
        return {int(row[0]): int(row[1]) for row in (await self.session.execute(statement)).all()}


class CaseloadChangeRepository:
    """The queue of people whose kept signs must be made again (filled by triggers, so never hub-scoped)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pending(self, limit: int) -> tuple[int, list[int]]:
        """The newest queued change and up to ``limit`` of the people queued up to it."""
        newest = (await self.session.execute(select(func.max(CaseloadChange.id)))).scalar_one()
        if newest is None:
            return 0, []
        statement = select(CaseloadChange.client_id).distinct().where(CaseloadChange.id <= newest) \
            .order_by(CaseloadChange.client_id).limit(limit)  # type: ignore[operator]
        return int(newest), list((await self.session.execute(statement)).scalars())

    async def forget(self, client_ids: Collection[int], newest: int) -> None:
        """Drop these people's changes up to ``newest`` (later ones stay queued)."""
        await self.session.execute(delete(CaseloadChange).where(
            CaseloadChange.client_id.in_(client_ids), CaseloadChange.id <= newest))  # type: ignore[attr-defined,operator]
