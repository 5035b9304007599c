"""Tenant-scoped access to welfare checks and their steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from backend.database.tenancy import TenantRepository
from backend.domain.welfare.models import WelfareCheck, WelfareCheckStep
from shared.enums import WelfareCheckState


class WelfareCheckRepository(TenantRepository[WelfareCheck]):
    """Welfare checks of the caller's providers."""

    model = WelfareCheck

    async def alert_ids(self) -> set[int]:
        """The alerts welfare checks became (kept while their check is)."""
        statement = self.scoped(select(WelfareCheck.alert_id)).where(WelfareCheck.alert_id.is_not(None))  # type: ignore[union-attr]
        return set((await self.session.execute(statement)).scalars())

    async def by_dedupe_key(self, provider_id: int, dedupe_key: str) -> WelfareCheck | None:
        """The check raised for one finding, if any."""
        statement = self.scoped(select(WelfareCheck)).where(
            WelfareCheck.provider_id == provider_id, WelfareCheck.dedupe_key == dedupe_key)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def open_past(self, now: datetime) -> Sequence[WelfareCheck]:
        """Checks still open whose wait ended at or before ``now``."""
        return await self.list(WelfareCheck.state == WelfareCheckState.OPEN, WelfareCheck.escalate_at <= now)

    async def leave_open(self, check_id: int, **values: Any) -> bool:
        """Move a check out of ``open`` with ``values``, only if it is still open: True for the one caller that did.

        One guarded UPDATE, so an answer and the escalation job (in any process) never both win.
        """
        statement = update(WelfareCheck).where(
            WelfareCheck.id == check_id, WelfareCheck.state == WelfareCheckState.OPEN).values(**values)
        if self.scope.provider_ids is not None:
            statement = statement.where(WelfareCheck.provider_id.in_(self.scope.provider_ids))  # type: ignore[attr-defined]
        return (await self.session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]

    async def link_alert(self, check_id: int, alert_id: int) -> None:
        """Remember the alert an escalated check became."""
        await self.session.execute(update(WelfareCheck).where(WelfareCheck.id == check_id).values(alert_id=alert_id))


class WelfareCheckStepRepository(TenantRepository[WelfareCheckStep]):
    """The steps of welfare checks of the caller's providers."""

    model = WelfareCheckStep

    async def of_checks(self, check_ids: Sequence[int]) -> list[WelfareCheckStep]:
        """Every step of these checks, oldest first."""
        if not check_ids:
            return []
        # Ids grow as steps are written, so they order a check's trail even when two share a timestamp.
        return list(await self.list(WelfareCheckStep.check_id.in_(check_ids),  # type: ignore[attr-defined]
                                    order_by=WelfareCheckStep.id))
