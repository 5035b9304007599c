"""Tenant-scoped access to welfare checks and their steps."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from backend.database.tenancy import TenantRepository
from backend.domain.welfare.models import WelfareCheck, WelfareCheckStep


class WelfareCheckRepository(TenantRepository[WelfareCheck]):
    """Welfare checks of the caller's providers."""

    model = WelfareCheck

    async def by_dedupe_key(self, provider_id: int, dedupe_key: str) -> WelfareCheck | None:
        """The check raised for one finding, if any."""
        statement = self.scoped(select(WelfareCheck)).where(
            WelfareCheck.provider_id == provider_id, WelfareCheck.dedupe_key == dedupe_key)
        return (await self.session.execute(statement)).scalar_one_or_none()


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
