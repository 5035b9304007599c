"""What a carer's phone can do to a visit: check in, check out, prove presence later, write a note, raise a concern.

One service serves both the direct endpoints and the offline sync batch, so an
action means the same thing however it arrives. Every action carries an
idempotency key; a replay returns the first result and writes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import msgspec
from litestar.exceptions import ClientException, HTTPException, NotFoundException, PermissionDeniedException
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.alerts.services import raise_alert
from backend.domain.audit.services import audit_row
from backend.domain.visits.concerns import alert_key
from backend.domain.visits.models import Visit, VisitEvent
from backend.domain.visits.repositories import CarerActionRepository, VisitEventRepository
from backend.domain.visits.schemas import CheckBody, ConcernBody, NoteBody, ProofBody
from backend.domain.visits.visit_state import event_counts_as_verified
from backend.domain.visits.visit_verification import Verdict, verify_gps, verify_tag
from backend.domain.visits.wording import visit_words
from backend.security.principal import Principal
from shared.enums import AlertKind, AlertSeverity, CheckMethod, VisitEventKind, VisitStatus
from shared.geo import GeoPoint
from shared.visit_actions import ConcernCategory, ManualReason, MedicationOutcome
from shared.timekeeping import utc_now

BODY_TYPES: dict[str, type[msgspec.Struct]] = {
    VisitEventKind.CHECK_IN: CheckBody,
    VisitEventKind.CHECK_OUT: CheckBody,
    VisitEventKind.NOTE: NoteBody,
    VisitEventKind.CONCERN: ConcernBody,
    VisitEventKind.PROOF: ProofBody,
}
ONE_STATEMENT_KINDS = frozenset({VisitEventKind.CHECK_IN, VisitEventKind.CHECK_OUT, VisitEventKind.NOTE})
"""Actions that write nothing but what :meth:`CarerActionRepository.record` writes (concerns raise an alert and
proofs upgrade the check-in through the ORM first)."""
CONCERN_SEVERITY = {ConcernCategory.SAFEGUARDING: AlertSeverity.URGENT, ConcernCategory.HEALTH: AlertSeverity.URGENT}


class Conflict(HTTPException):
    """The visit is not in a state where this action makes sense (409)."""

    status_code = 409


class Unprocessable(HTTPException):
    """Well-formed but not acceptable, e.g. missing medication outcomes (422)."""

    status_code = 422


class ActionOutcome(msgspec.Struct):
    """The stored response of an action and whether this call created it."""

    result: dict[str, Any]
    created: bool


def fingerprint(kind: str, visit_id: int, body: msgspec.Struct) -> str:
    """What identifies a request under its idempotency key: the visit, the kind and the body.

    The device time is left out: it says when, not what, and a replay from the phone may carry it
    re-encoded. The body is the decoded struct, so the same action sent directly or through
    ``/sync`` has the same fingerprint.
    """
    return hashlib.sha256(f"{visit_id}:{kind}:".encode() + msgspec.json.encode(body)).hexdigest()


class _KeyTaken(Exception):
    """A concurrent request with the same idempotency key stored its event first."""


class VisitActionService:
    """Applies carers' actions to visits within the caller's tenancy scope.

    An action costs one read (:meth:`CarerActionRepository.context`: the visit, its client's geofence,
    the event already stored under the key, and the carer's earlier checks) and then only its writes:
    the event (inserted unless the key is taken), the visit's changed columns, and the audit row
    (:meth:`CarerActionRepository.record`: one statement on PostgreSQL, where a check-in, check-out or
    note then needs no transaction around it). Concerns and proofs write through the ORM first, in the
    request's transaction, within a savepoint undone if a twin wins.
    """

    def __init__(self, session: AsyncSession, principal: Principal, settings: Settings,
                 autocommit: async_sessionmaker[AsyncSession] | None = None) -> None:
        if principal.carer_id is None:
            raise PermissionDeniedException("only carers act on visits from the phone")
        self.session = session
        # On PostgreSQL an action whose writes are one statement (ONE_STATEMENT_KINDS) runs in autocommit on a
        # session of its own: its read and that statement are its only round trips (no BEGIN and COMMIT).
        self.autocommit = autocommit if session.bind is not None and session.bind.dialect.name == "postgresql" else None
        self.principal = principal
        self.carer_id = principal.carer_id
        self.settings = settings
        self.scope: TenantScope = principal.scope
        self.actions = CarerActionRepository(session, self.scope)
        self.events = VisitEventRepository(session, self.scope)

    async def apply(self, kind: str, visit_id: int, at: datetime, body: msgspec.Struct, key: str) -> ActionOutcome:
        """Apply one action once; a replay of ``key`` returns the first result.

        A key already used for a different request (another visit, kind or body) is refused (422):
        answering with the first action's result would silently drop the new one.
        """
        if self.autocommit is not None and kind in ONE_STATEMENT_KINDS:
            async with self.autocommit() as session:
                return await self._apply(CarerActionRepository(session, self.scope), kind, visit_id, at, body, key)
        return await self._apply(self.actions, kind, visit_id, at, body, key)

    async def _apply(self, actions: CarerActionRepository, kind: str, visit_id: int, at: datetime, body: msgspec.Struct,
                     key: str) -> ActionOutcome:
        request = fingerprint(kind, visit_id, body)
        context = await actions.context(visit_id, self.carer_id, key)
        previous = self._previous(context, request)
        if previous is not None:
            return ActionOutcome(previous, created=False)
        try:
            if kind in ONE_STATEMENT_KINDS:  # nothing is written before the event, so nothing needs undoing
                result = await self._apply_new(actions, VisitEventKind(kind), context, visit_id, at, body, key, request)
            else:  # ORM writes come before the event: undone if a twin wins
                async with self.session.begin_nested():
                    result = await self._apply_new(actions, VisitEventKind(kind), context, visit_id, at, body, key, request)
        except (_KeyTaken, IntegrityError):
            # Another request with the same key won the race: answer with its result.
            previous = self._previous(await actions.context(visit_id, self.carer_id, key), request)
            if previous is None:
                raise
            return ActionOutcome(previous, created=False)
        return ActionOutcome(result, created=True)

    def _previous(self, context: RowMapping, request: str) -> dict[str, Any] | None:
        """The response first given for the context's key, as every replay returns it; ``None`` if unused."""
        if context["previous_id"] is None:
            return None
        if context["previous_carer_id"] != self.carer_id:
            raise Conflict("this idempotency key was already used by another user")
        if context["previous_fingerprint"] not in (None, request):  # rows from before fingerprints cannot be compared
            raise Unprocessable(
                "idempotency key already used for a different request (another visit, kind or body); "
                "send a new action with a new key"
            )
        return {**context["previous_result"], "event_id": context["previous_id"]}

    def _visit(self, context: RowMapping, visit_id: int) -> Visit:
        """The visit if the carer may act on it. Another provider's visit is reported as not found."""
        if context["visit_id"] is None:
            raise NotFoundException(f"no visit {visit_id}")
        if not context["assigned"]:
            raise PermissionDeniedException(f"visit {visit_id} is not assigned to you")
        return CarerActionRepository.visit_of(context)

    async def _apply_new(self, actions: CarerActionRepository, kind: VisitEventKind, context: RowMapping, visit_id: int,
                         at: datetime, body: msgspec.Struct, key: str, request: str) -> dict[str, Any]:
        self._check_device_time(at)
        visit = self._visit(context, visit_id)
        handler = {
            VisitEventKind.CHECK_IN: self._check_in,
            VisitEventKind.CHECK_OUT: self._check_out,
            VisitEventKind.NOTE: self._note,
            VisitEventKind.CONCERN: self._concern,
            VisitEventKind.PROOF: self._proof,
        }[kind]
        event = actions.new_event(
            provider_id=visit.provider_id, visit_id=visit_id, carer_id=self.carer_id, kind=kind,
            device_time=at, idempotency_key=key, fingerprint=request,
        )
        result = await handler(visit, event, body, context)  # type: ignore[operator]
        event.result = result
        late_start_seen = kind == VisitEventKind.CHECK_IN and context["lateness_open"]
        event_id = await actions.record(
            event, visit, actions.changes(visit, context),
            audit_row(self.principal, f"visit.{kind}", "visit", visit_id, provider_id=visit.provider_id,
                      detail={"idempotency_key": key}),
            resolve_lateness_at=utc_now() if late_start_seen else None)
        if event_id is None:
            raise _KeyTaken(key)
        return {**result, "event_id": event_id}

    def _check_device_time(self, at: datetime) -> None:
        now = utc_now()
        if at > now + timedelta(minutes=self.settings.future_skew_minutes):
            raise Unprocessable(f"device time {at.isoformat()} is in the future; check the phone's clock")
        if at < now - timedelta(hours=self.settings.offline_window_hours):
            raise Unprocessable(
                f"device time {at.isoformat()} is older than the {self.settings.offline_window_hours} h offline window; "
                "ask a supervisor to record an amendment"
            )

    def _verify(self, visit: Visit, body: CheckBody | ProofBody, context: RowMapping) -> Verdict:
        """The check's verdict against the home's geofence (the context's client) or its tag."""
        if body.method == CheckMethod.GPS:
            if body.location is None:
                raise ClientException("a GPS check needs a location {lat, lon, accuracy_m}")
            reported = GeoPoint(body.location.lat, body.location.lon)
            return verify_gps(GeoPoint(context["lat"], context["lon"]), context["geofence_radius_m"], reported,
                              body.location.accuracy_m, self.settings.gps_accuracy_cap_m)
        if body.method in (CheckMethod.QR, CheckMethod.NFC):
            if not body.tag:
                raise ClientException(f"a {body.method} check needs the scanned tag")
            return verify_tag(body.tag, secret=context["tag_secret"], provider_id=visit.provider_id,
                              client_id=visit.client_id, version=context["tag_version"])
        if not isinstance(body, CheckBody) or body.reason is None:
            raise ClientException(f"a manual check needs a reason, one of: {', '.join(ManualReason)}")
        return Verdict(False, None, f"manual_{body.reason}")

    def _check_result(self, visit: Visit, verdict: Verdict) -> dict[str, Any]:
        return {
            "verified": verdict.verified, "distance_m": verdict.distance_m, "reason": verdict.reason,
            "visit": {"id": visit.id, "status": str(visit.status)},
        }

    async def _check_in(self, visit: Visit, event: VisitEvent, body: CheckBody, context: RowMapping) -> dict[str, Any]:
        if visit.status == VisitStatus.CANCELLED:
            raise Conflict(f"visit {visit.id} was cancelled ({visit.cancel_reason or 'no reason given'})")
        if context["checked_in"]:
            raise Conflict(f"you have already checked in to visit {visit.id}")
        verdict = self._verify(visit, body, context)
        self._stamp(event, body, verdict)
        if visit.status in (VisitStatus.PLANNED, VisitStatus.MISSED):
            self._record_start(visit, event.device_time)
        return {**self._check_result(visit, verdict), "late_start_minutes": visit.late_start_minutes,
                "delivered_after_missed": bool(visit.delivered_after_missed)}

    def _record_start(self, visit: Visit, at: datetime) -> None:
        """The visit's first check-in: in progress, with its lateness kept as a flag beside the status.

        A visit already marked missed is accepted (the care happened) and says so; the minutes late
        count from the device time, so an offline check-in synced after the watch gave up is not late.
        """
        late = round((at - visit.planned_start).total_seconds() / 60)
        visit.late_start_minutes = late if late > self.settings.late_tolerance_minutes else None
        visit.delivered_after_missed = visit.status == VisitStatus.MISSED
        visit.status = VisitStatus.IN_PROGRESS

    async def _check_out(self, visit: Visit, event: VisitEvent, body: CheckBody, context: RowMapping) -> dict[str, Any]:
        if not context["checked_in"]:
            raise Conflict(f"you have not checked in to visit {visit.id}; check in first")
        if context["checked_out"]:
            raise Conflict(f"you have already checked out of visit {visit.id}")
        self._check_outcomes(visit, body)
        verdict = self._verify(visit, body, context)
        self._stamp(event, body, verdict)
        event.payload = {
            "task_outcomes": msgspec.to_builtins(body.task_outcomes),
            "medication_outcomes": msgspec.to_builtins(body.medication_outcomes),
        }
        if context["others_checked_out"]:
            visit.status = VisitStatus.COMPLETED
        return self._check_result(visit, verdict)

    def _check_outcomes(self, visit: Visit, body: CheckBody) -> None:
        due = {m["id"]: m for m in visit.medications}
        given = {o.medication_id: o for o in body.medication_outcomes}
        missing = [due[m]["label"] for m in due if m not in given]
        if missing:
            raise Unprocessable(
                "check-out needs an outcome for every medication due: missing " + ", ".join(missing),
                extra={"missing_medications": [m for m in due if m not in given]},
            )
        unknown = sorted(set(given) - set(due)) + sorted({o.task_id for o in body.task_outcomes} - {t["id"] for t in visit.tasks})
        if unknown:
            raise Unprocessable(f"outcomes name items not on this visit: {', '.join(unknown)}")
        unexplained = [m for m, o in given.items() if o.outcome == MedicationOutcome.OTHER and not o.note.strip()]
        if unexplained:
            raise Unprocessable(f"medication outcome 'other' needs a note: {', '.join(unexplained)}")

    @staticmethod
    def _stamp(event: VisitEvent, body: CheckBody | ProofBody, verdict: Verdict) -> None:
        event.method = body.method
        event.verified = verdict.verified
        event.distance_m = verdict.distance_m
        event.reason = verdict.reason

    async def _proof(self, visit: Visit, event: VisitEvent, body: ProofBody, context: RowMapping) -> dict[str, Any]:
        """Later proof of presence: a verified fix or tag scan upgrades the carer's unverified check-in.

        The proof is appended as its own event with its verdict; the check-in keeps its original
        reason in its payload, so the record shows both what was first known and what proved it.
        """
        if body.method == CheckMethod.MANUAL:
            raise ClientException("proof of presence needs a GPS fix or a scanned home tag, not a manual reason")
        if not context["checked_in"]:
            raise Conflict(f"you have not checked in to visit {visit.id}; check in first")
        if context["checked_out"]:
            raise Conflict(f"you have already checked out of visit {visit.id}; a supervisor reviews its checks")
        check_in = await self.events.first(VisitEvent.visit_id == visit.id, VisitEvent.carer_id == self.carer_id,
                                           VisitEvent.kind == VisitEventKind.CHECK_IN, order_by=VisitEvent.id)
        assert check_in is not None  # the context saw it
        if event_counts_as_verified(check_in):
            raise Conflict(f"your check-in to visit {visit.id} is already verified")
        if check_in.review_state is not None:
            raise Conflict(f"a supervisor has already reviewed your check-in to visit {visit.id}")
        verdict = self._verify(visit, body, context)
        self._stamp(event, body, verdict)
        if verdict.verified:
            check_in.payload = {**check_in.payload, "unverified_reason": check_in.reason,
                                "proved_by": {"idempotency_key": event.idempotency_key, "method": str(body.method)}}
            check_in.verified, check_in.reason = True, None
            await self.session.flush()  # before the event's own insert, on the same connection
        return {**self._check_result(visit, verdict), "check_in_verified": bool(check_in.verified)}

    async def _note(self, visit: Visit, event: VisitEvent, body: NoteBody, _context: RowMapping) -> dict[str, Any]:
        event.payload = {"text": body.text, "confidential": body.confidential}
        return {"visit": {"id": visit.id, "status": str(visit.status)}}

    async def _concern(self, visit: Visit, event: VisitEvent, body: ConcernBody, _context: RowMapping) -> dict[str, Any]:
        event.payload = {"category": body.category, "text": body.text}
        alert, _ = await raise_alert(
            self.session, provider_id=visit.provider_id, kind=AlertKind.CONCERN,
            severity=CONCERN_SEVERITY.get(body.category, AlertSeverity.WARNING),
            message=(await visit_words(self.session, self.scope, [visit]))[visit.id or 0].concern(body.category, self.carer_id, utc_now()),
            dedupe_key=alert_key(event.idempotency_key), client_id=visit.client_id, visit_id=visit.id,
            detail={"category": body.category},
        )
        return {"alert_id": alert.id, "visit": {"id": visit.id, "status": str(visit.status)}}
