"""Telling a client's family that a visit was missed, when (and only when) they consented.

The visit watch queues one family notification per consenting contact in the
same transaction that marks the visit missed; :func:`deliver` in
``escalation.py`` sends it through the ordinary channels and retries. The unique
key of ``notification`` (alert, level, channel, address) makes the queueing
idempotent, so a second watch pass or a second scheduler never sends twice.

Privacy: the message says only the client's first name, the planned time in
Europe/London, and that the agency knows and will be in touch. It is built from
the client's name and the visit's planned start alone, never from the alert's
text, case notes, carers or locations.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.alerts.models import Alert
from backend.domain.operations.channels import Message
from backend.domain.operations.models import FamilyContact, Notification
from backend.domain.operations.repositories import FamilyContactRepository, NotificationRepository
from backend.domain.visits.models import Visit
from shared.timekeeping import to_london

FAMILY = "family"
# Family messages sit outside the escalation ladder (levels 1 and 2); level 0 keeps them apart in the unique key.
FAMILY_LEVEL = 0
FAMILY_CHANNELS = ("email", "webhook")


async def queue_missed_visit_notifications(session: AsyncSession, missed: Sequence[tuple[Alert, Visit]]) -> int:
    """Queue one notification per consenting family contact of each newly missed visit; returns how many are new.

    Runs inside the watch's transaction, so the notifications exist exactly when
    the visit is marked missed.
    """
    by_client: dict[tuple[int, int], list[Alert]] = {}
    for alert, visit in missed:
        if alert.id is not None:
            by_client.setdefault((visit.provider_id, visit.client_id), []).append(alert)
    if not by_client:
        return 0
    # System scope because the watch serves every provider; each contact is then matched on its own provider.
    contacts = await FamilyContactRepository(session, TenantScope.system()).list(
        FamilyContact.client_id.in_({client for _, client in by_client}),  # type: ignore[attr-defined]
        FamilyContact.notify_missed_visits == True,  # noqa: E712
        FamilyContact.channel.in_(FAMILY_CHANNELS),  # type: ignore[attr-defined]
        order_by=FamilyContact.id,
    )
    queued = 0
    for contact in contacts:
        for alert in by_client.get((contact.provider_id, contact.client_id), []):
            try:
                # A savepoint per row: a duplicate (another process got there first) must not undo the missed mark.
                async with session.begin_nested():
                    session.add(Notification(
                        provider_id=alert.provider_id, alert_id=alert.id or 0, level=FAMILY_LEVEL, audience=FAMILY,
                        family_contact_id=contact.id, channel=contact.channel, address=contact.address,
                    ))
                queued += 1
            except IntegrityError:
                continue
    return queued


def first_name(full_name: str) -> str:
    """The first word of a name, which is all a family message says about the client."""
    words = full_name.split()
    return words[0] if words else "your relative"


def missed_visit_message(client_name: str, contact_name: str, visit: Visit) -> Message:
    """What a family contact is told about a missed visit, and nothing more."""
    who = first_name(client_name)
    planned = to_london(visit.planned_start)
    when = f"{planned:%H:%M} on {planned:%A} {planned.day} {planned:%B %Y}"
    subject = f"Domicare: {who}'s care visit at {planned:%H:%M} did not take place"
    body = (
        f"Hello {contact_name},\n\n"
        f"{who}'s care visit planned for {when} (UK time) did not take place.\n"
        f"The agency has been told and will contact you.\n\n"
        f"You receive this because you asked to be told about missed visits. "
        f"Please contact the agency to stop these messages.\n"
    )
    return Message(subject=subject, body=body, level=FAMILY_LEVEL,
                   alert={"kind": "missed_visit", "first_name": who, "planned_start": planned.isoformat()})


async def family_message(session: AsyncSession, notification: Notification, alert: Alert) -> Message | None:
    """The message of a queued family notification, or ``None`` when it must not be sent any more.

    Consent is checked again at sending time: a contact removed, or no longer
    opted in, since the notification was queued is not written to.
    """
    if notification.family_contact_id is None or alert.visit_id is None:
        return None
    row = await FamilyContactRepository(session, TenantScope.single(notification.provider_id)).with_client_name_and_visit(
        notification.family_contact_id, alert.visit_id
    )
    if row is None:
        return None
    contact, client_name, visit = row
    if not contact.notify_missed_visits or (contact.channel, contact.address) != (notification.channel, notification.address):
        return None
    return missed_visit_message(client_name, contact.name, visit)


async def redact_contact_address(session: AsyncSession, scope: TenantScope, contact: FamilyContact) -> int:
    """Blank a removed contact's address in the notification log, in its rows and in any delivery error
    quoting it; returns how many rows. Each row keeps its own placeholder, since the log is unique per
    alert, level, channel and address."""
    placeholder = f"(removed family contact {contact.id})"
    return await NotificationRepository(session, scope).update_where(
        {"address": placeholder, "error": func.replace(Notification.error, contact.address, placeholder)},
        Notification.family_contact_id == contact.id,
    )
