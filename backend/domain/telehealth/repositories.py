"""Hub-scoped access to hubs, clinicians and enrolments: every query is filtered to the caller's hub.

The hub's tenancy mirrors a provider's (``backend/database/tenancy.py``): the filter is added here,
once, so a controller cannot forget it. ``None`` as the hub means every hub (scheduled jobs only).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from backend.database.tenancy import OutOfScopeError, TenantRepository
from backend.domain.telehealth.models import Clinician, Enrolment, Hub, Intervention, SmsMessage
from shared.enums import EnrolmentState

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
        """The hub's clinicians on call now."""
        return list(await self.list(Clinician.on_call.is_(True), order_by=Clinician.id))  # type: ignore[attr-defined]


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

    async def of_hub(self, hub_id: int, limit: int, offset: int, phone: str | None = None) -> tuple[list[SmsMessage], int]:
        """A hub's messages, newest first (optionally with one number), and how many there are."""
        statement = select(SmsMessage).where(SmsMessage.hub_id == hub_id)
        if phone:
            statement = statement.where(SmsMessage.phone == phone)
        total = int((await self.session.execute(select(func.count()).select_from(statement.subquery()))).scalar_one())
        page = statement.order_by(SmsMessage.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr]
        return list((await self.session.execute(page)).scalars()), total
