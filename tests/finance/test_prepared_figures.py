"""The prepared billing figures always equal a recomputation from the raw record, whatever changes the record
and whoever writes it: the database's triggers queue the visit, and the next read prepares it first
(each test on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select


def _check(db: Callable[..., Any], *weeks: date, tolerance: int = 30) -> list[str]:
    """Every difference between the prepared figures of these weeks and the record (empty when equal)."""
    from backend.database.tenancy import TenantScope
    from backend.domain.finance import services
    from backend.domain.finance.weeks import FinanceWeek

    async def go(sessionmaker: Any) -> list[str]:
        differences = []
        async with sessionmaker() as session:
            for ending in weeks:
                differences += await services.check_prepared(session, TenantScope.system(), FinanceWeek(ending),
                                                             late_tolerance_minutes=tolerance)
        return differences

    return db(go)  # type: ignore[no-any-return]


def _counts(db: Callable[..., Any]) -> tuple[int, int, int]:
    """Visits, prepared visits and queued changes."""
    from backend.domain.finance.models import BillingChange, BillingFact
    from backend.domain.visits.models import Visit

    async def go(sessionmaker: Any) -> tuple[int, int, int]:
        async with sessionmaker() as session:
            return tuple([  # type: ignore[return-value]
                (await session.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (Visit, BillingFact, BillingChange)
            ])

    return db(go)  # type: ignore[no-any-return]


def _change_the_record(db: Callable[..., Any], week_ending: date) -> dict[str, int]:
    """Change last week's record the ways billing notices, through the ORM (no finance code involved)."""
    from backend.domain.visits.models import Amendment, Visit, VisitAssignment, VisitEvent
    from shared.enums import AmendmentState, VisitEventKind, VisitStatus

    start = week_ending - timedelta(days=6)

    async def go(sessionmaker: Any) -> dict[str, int]:
        async with sessionmaker() as session:
            week = (await session.execute(select(Visit).where(
                Visit.visit_date >= start, Visit.visit_date <= week_ending).order_by(Visit.id))).scalars().all()
            completed = [v for v in week if v.status == VisitStatus.COMPLETED]
            done = {}
            # A completed visit marked missed after the fact; another moved into the next week.
            completed[0].status = VisitStatus.MISSED
            done["missed"] = completed[0].id
            completed[1].visit_date = week_ending + timedelta(days=1)
            completed[1].planned_start += timedelta(days=1)
            completed[1].planned_end += timedelta(days=1)
            done["moved"] = completed[1].id
            # A late check-out moves the last check-out, so the minutes worked change.
            event = (await session.execute(select(VisitEvent).where(
                VisitEvent.visit_id == completed[2].id, VisitEvent.kind == VisitEventKind.CHECK_OUT))).scalars().first()
            session.add(VisitEvent(
                provider_id=event.provider_id, visit_id=event.visit_id, carer_id=event.carer_id,
                kind=VisitEventKind.CHECK_OUT, device_time=event.device_time + timedelta(minutes=40),
                method=event.method, verified=True, idempotency_key="prepared-figures-late-out",
            ))
            done["checked_out_later"] = completed[2].id
            # An unverified check approved on review.
            unverified = (await session.execute(select(VisitEvent).where(
                VisitEvent.visit_id.in_([v.id for v in week]), VisitEvent.verified.is_(False),
                VisitEvent.kind == VisitEventKind.CHECK_IN))).scalars().first()
            if unverified is not None:
                unverified.review_state = AmendmentState.APPROVED
                done["approved"] = unverified.visit_id
            # An approved amendment setting a carer's end time, and a second carer assigned.
            session.add(Amendment(
                provider_id=completed[3].provider_id, visit_id=completed[3].id, author_id=1, approver_id=1,
                state=AmendmentState.APPROVED, reason_code="device_failed",
                changes={"actual_end": (completed[3].planned_end + timedelta(minutes=20)).isoformat()},
                decided_at=completed[3].planned_end,
            ))
            done["amended"] = completed[3].id
            carer = (await session.execute(select(VisitAssignment.carer_id).where(
                VisitAssignment.visit_id != completed[4].id).limit(1))).scalar_one()
            completed[4].carers_needed = 2
            session.add(VisitAssignment(provider_id=completed[4].provider_id, visit_id=completed[4].id, carer_id=carer))
            done["double_handed"] = completed[4].id
            # A visit added to the week.
            model = completed[5]
            added = Visit(provider_id=model.provider_id, client_id=model.client_id, visit_date=model.visit_date,
                          planned_start=model.planned_start + timedelta(hours=1),
                          planned_end=model.planned_end + timedelta(hours=1), status=VisitStatus.MISSED)
            session.add(added)
            await session.flush()
            done["added"] = added.id or 0
            await session.commit()
            return done

    return db(go)  # type: ignore[no-any-return]


def test_prepared_figures_equal_the_record_after_every_kind_of_change(db: Callable[..., Any], last_week: date) -> None:
    this_week = last_week + timedelta(days=7)
    visits, prepared, queued = _counts(db)
    assert prepared == 0 and queued >= visits > 0  # a freshly seeded city: every visit queued by the triggers
    assert _check(db, last_week, this_week) == []
    visits, prepared, queued = _counts(db)
    assert prepared == visits and queued == 0

    done = _change_the_record(db, last_week)
    assert {"missed", "moved", "checked_out_later", "amended", "double_handed", "added"} <= set(done)
    assert _counts(db)[2] > 0  # queued by the triggers, not by any finance code
    assert _check(db, last_week, this_week) == []
    visits, prepared, queued = _counts(db)
    assert prepared == visits and queued == 0

    db(lambda sessionmaker: _delete_visit(sessionmaker, done["added"]))
    assert _check(db, last_week, this_week) == []
    visits, prepared, queued = _counts(db)
    assert prepared == visits and queued == 0


async def _delete_visit(sessionmaker: Any, visit_id: int) -> None:
    from backend.domain.visits.models import Visit

    async with sessionmaker() as session:
        await session.delete(await session.get(Visit, visit_id))
        await session.commit()


def test_a_new_rule_version_or_tolerance_reprepares_the_week(db: Callable[..., Any], last_week: date) -> None:
    from backend.domain.finance import services

    assert _check(db, last_week) == []

    async def stricter(sessionmaker: Any) -> None:
        async with sessionmaker() as session:
            await services.add_rule_version(session, 1, last_week - timedelta(days=6), {
                "billing_unit_minutes": 5, "rounding": "down", "grace_minutes": 0, "minimum_billable_minutes": 0,
                "cap_at_planned": False, "bill_missed": True,
            }, None)
            await session.commit()

    db(stricter)
    assert _check(db, last_week) == []
    assert _check(db, last_week, tolerance=10) == []


def test_the_check_command(seeded_db_url: str, last_week: date, capsys: pytest.CaptureFixture[str]) -> None:
    from domicare.cli import main

    assert main(["finance", "refresh", "--database-url", seeded_db_url]) == 0
    refreshed = json.loads(capsys.readouterr().out)
    assert refreshed["prepared_visits"] > 0
    assert main(["finance", "check", "--week-ending", last_week.isoformat(), "--database-url", seeded_db_url]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["equal"] and checked["differences"] == []
    assert main(["finance", "check", "--week-ending", last_week.isoformat(), "--provider", "NOPE",
                 "--database-url", seeded_db_url]) == 1


def test_a_prepared_row_holds_exactly_the_reconciliation_figures() -> None:
    """The columns derive from Totals; this checks the derivation (names, order, whole numbers, zero defaults)."""
    from backend.domain.finance.billing import Totals
    from backend.domain.finance.models import BillingFact

    own = {"visit_id", "provider_id", "client_id", "visit_date", "rules_key", "as_of"}
    figures = {name: field for name, field in BillingFact.model_fields.items() if name not in own}
    assert list(figures) == list(Totals.__struct_fields__)
    assert all(field.annotation is int and field.default == 0 for field in figures.values())


def test_the_triggers_queue_billing_changes_only(db: Callable[..., Any], last_week: date) -> None:
    """A note or a task list edit changes no bill and queues nothing; a check-in does (every migration keeps the
    triggers: a table rebuilt on SQLite would lose them)."""
    from backend.domain.visits.models import Visit, VisitEvent
    from shared.enums import VisitEventKind

    assert _check(db, last_week) == []

    async def write(sessionmaker: Any, kind: VisitEventKind) -> int:
        async with sessionmaker() as session:
            visit = (await session.execute(select(Visit).where(Visit.visit_date == last_week))).scalars().first()
            visit.tasks = [*visit.tasks, {"name": "extra"}]
            await session.flush()
            carer = (await session.execute(select(VisitEvent.carer_id).where(
                VisitEvent.visit_id == visit.id))).scalars().first() or 1
            session.add(VisitEvent(provider_id=visit.provider_id, visit_id=visit.id, carer_id=carer, kind=kind,
                                   device_time=visit.planned_start, idempotency_key=f"trigger-{kind}"))
            await session.commit()
            return visit.id or 0

    before = _counts(db)[2]
    db(lambda sessionmaker: write(sessionmaker, VisitEventKind.NOTE))
    assert _counts(db)[2] == before
    db(lambda sessionmaker: write(sessionmaker, VisitEventKind.CHECK_IN))
    assert _counts(db)[2] > before
    assert _check(db, last_week) == []
