"""A lease row that makes exactly one process the active scheduler, on SQLite and PostgreSQL alike.

The holder renews the lease well before it expires; if it dies (even by SIGKILL)
the lease lapses and another process takes over. Taking the lease is a single
conditional UPDATE (or an INSERT racing on the primary key), so two processes
can never both believe they hold it.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.scheduling.models import SchedulerLease
from shared.timekeeping import utc_now


def process_identity() -> str:
    """A name for this process that is unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """The named lease this process tries to hold."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, name: str = "scheduler",
                 holder: str | None = None, ttl: timedelta = timedelta(seconds=30)) -> None:
        self.sessionmaker = sessionmaker
        self.name = name
        self.holder = holder or process_identity()
        self.ttl = ttl
        self.valid_until: datetime | None = None

    def held(self, now: datetime | None = None) -> bool:
        """Whether this process held the lease at its last renewal and it has not run out since."""
        return self.valid_until is not None and (now or utc_now()) < self.valid_until

    async def acquire(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; ``False`` while another live process holds it."""
        now = now or utc_now()
        expires = now + self.ttl
        async with self.sessionmaker() as session, session.begin():
            taken = await session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name,
                       or_(SchedulerLease.holder == self.holder, SchedulerLease.expires_at < now))  # type: ignore[arg-type]
                .values(holder=self.holder, expires_at=expires)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                self.valid_until = expires
                return True
            try:
                async with session.begin_nested():
                    session.add(SchedulerLease(name=self.name, holder=self.holder, acquired_at=now, expires_at=expires))
            except IntegrityError:
                self.valid_until = None
                return False
        self.valid_until = expires
        return True

    async def release(self) -> None:
        """Give the lease up so another process need not wait for it to lapse."""
        self.valid_until = None
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                delete(SchedulerLease).where(SchedulerLease.name == self.name, SchedulerLease.holder == self.holder)  # type: ignore[arg-type]
            )
