"""Shared test fixtures: real databases (SQLite and the local PostgreSQL), services and the API.

Services that a test needs but cannot reach make it skip with a loud reason,
unless ``DOMICARE_REQUIRE_SERVICES`` is set (CI sets it), in which case it fails.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("DOMICARE_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("KIVY_NO_ARGS", "1")

from tests.clock import install_test_clock  # noqa: E402

TEST_CLOCK_START = install_test_clock()  # before anything reads the time

from backend.config import Settings  # noqa: E402  (environment first)
from fixtures.city import DEMO_PASSWORD  # noqa: E402

if TYPE_CHECKING:
    from litestar.testing import TestClient

    from tests.support.database import Db

POSTGRES_ADMIN_DSN = os.environ.get("DOMICARE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883


def pytest_report_header() -> str:
    """Say which clock the run is on, so a failure can be replayed at the same moment."""
    if TEST_CLOCK_START is None:
        return "test clock: the wall clock"
    return f"test clock: starts at {TEST_CLOCK_START.isoformat()} (DOMICARE_TEST_CLOCK to change)"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or fail under DOMICARE_REQUIRE_SERVICES) when a service is not listening."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("DOMICARE_REQUIRE_SERVICES"):
        pytest.fail(f"{message}, and DOMICARE_REQUIRE_SERVICES is set", pytrace=False)
    pytest.skip(f"!!! {message}: start it to run this test !!!")


def _pg_admin(statement: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def _pg_url(database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_ADMIN_DSN).set(drivername="postgresql+asyncpg", database=database).render_as_string(
        hide_password=False
    )


async def prepare_test_database(url: str, *, seeded: bool) -> None:
    """Migrate a database and, if asked, load the tests' city: the small demo city (seed 1).

    Today's round is all still to do whatever the test clock says, so a test can work any of
    today's visits; the demo's own seeding at the moment is tested in test_demo_any_hour.py.
    """
    from backend.database.engine import create_engine
    from backend.database.migrate import upgrade
    from backend.seeding import load_city
    from backend.security.passwords import hash_password
    from fixtures.city import DEMO_PASSWORD, generate_city
    from shared.timekeeping import LONDON, london_to_utc, utc_now

    await upgrade(url)
    if seeded:
        engine = create_engine(url)
        today = utc_now().astimezone(LONDON).date()
        city = generate_city("small", 1, worked_until=london_to_utc(today, 0), password_hash=hash_password(DEMO_PASSWORD))
        await load_city(engine, city, progress=lambda _m: None)
        await engine.dispose()


class DatabaseFactory:
    """Makes isolated copies of a prepared (migrated, optionally seeded) template database."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self.workdir = workdir
        self.run_id = uuid.uuid4().hex[:8]
        self.templates: dict[str, str] = {}
        self.created: list[str] = []

    def _template(self, kind: str) -> str:
        if kind in self.templates:
            return self.templates[kind]
        name = f"dct_{self.run_id}_{kind}"
        if self.backend == "postgres":
            _pg_admin(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            url = _pg_url(name)
        else:
            url = f"sqlite+aiosqlite:///{self.workdir / (name + '.db')}"
        asyncio.run(prepare_test_database(url, seeded=kind == "seeded"))
        self.templates[kind] = name
        return name

    def new(self, kind: str) -> str:
        """A fresh database URL copied from the ``kind`` template ("empty" or "seeded")."""
        template = self._template(kind)
        name = f"dct_{self.run_id}_{uuid.uuid4().hex[:8]}"
        if self.backend == "postgres":
            _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            self.created.append(name)
            return _pg_url(name)
        source = self.workdir / (template + ".db")
        target = self.workdir / (name + ".db")
        shutil.copyfile(source, target)
        return f"sqlite+aiosqlite:///{target}"

    def drop_all(self) -> None:
        """Drop every database of the run, 24 at a time.

        One by one, each DROP waits for its own checkpoint (about 0.8 s on a busy machine), and the
        run's hundreds of databases outlasted the last test's time-out; drops at once share checkpoints
        (48 seeded copies: 8.2 s eight at a time, 4.7 s 24 at a time). 24 connections leave the other
        test worker its pool within PostgreSQL's default 100.
        """
        import asyncpg

        async def drop_everything() -> None:
            slots = asyncio.Semaphore(24)

            async def drop(name: str) -> None:
                async with slots:
                    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
                    try:
                        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    finally:
                        await connection.close()

            await asyncio.gather(*(drop(name) for name in self.created))

        asyncio.run(drop_everything())


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_factory(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    """A database factory per backend; every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        require_service("PostgreSQL", "127.0.0.1", 5432)
    factory = DatabaseFactory(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))
    yield factory
    if request.param == "postgres":
        factory.drop_all()


@pytest.fixture
def empty_db_url(db_factory: DatabaseFactory) -> str:
    """A migrated, empty database of its own."""
    return db_factory.new("empty")


@pytest.fixture
def seeded_db_url(db_factory: DatabaseFactory) -> str:
    """A migrated database holding the small demo city (seed 1), of its own."""
    return db_factory.new("seeded")


def make_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    """Test settings for a database, with the data folder in the test's temporary path.

    The scheduler is off unless a test turns it on, so no job runs behind a test's back.
    """
    values: dict[str, object] = {"scheduler": False, "webhook_signing_key": "test-webhook-key-not-the-secret-key",
                                 **overrides}
    return Settings(
        database_url=database_url,
        secret_key=os.environ["DOMICARE_SECRET_KEY"],
        data_dir=tmp_path,
        **values,  # type: ignore[arg-type]
    )


@pytest.fixture
def mqtt_broker() -> tuple[str, int]:
    """The local Mosquitto broker's address."""
    require_service("Mosquitto", MQTT_HOST, MQTT_PORT)
    return MQTT_HOST, MQTT_PORT


@pytest.fixture
def api(seeded_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """An in-process client of the API over the seeded demo city."""
    from litestar.testing import TestClient

    from backend.app import create_app

    with TestClient(create_app(make_settings(seeded_db_url, tmp_path))) as client:
        yield client


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The search kernels compiled (or loaded from numba's cache) before any timed solve, and before
    solver processes start (they load the kernels from the cache this writes).

    One process compiles at a time: a cold compile is about 30 s of CPU, and both test workers (and the
    clock replays) compiling side by side on two cores doubled it; the later ones load the cache.
    """
    import fcntl

    from rostering.solvers import engine

    lock = tmp_path_factory.getbasetemp().parent / "numba-warm-up.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        engine.warm_up()


def sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Authorization headers for a user."""
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def headers_for(api: TestClient) -> Callable[[str], dict[str, str]]:
    """Sign in as any seeded user and get their request headers."""
    return lambda username: sign_in(api, username)


@pytest.fixture
def db(seeded_db_url: str) -> Iterator[Db]:
    """Synchronous helpers over the seeded database."""
    from tests.support.database import Db

    helper = Db(seeded_db_url)
    yield helper
    helper.close()
