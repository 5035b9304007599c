"""The MQTT ingest worker: Zigbee2MQTT traffic in, stored events, device health and alerts out.

paho runs its own network thread; every message hops onto the asyncio loop through
a queue, and one writer task stores it in batches, feeds each home's detectors and
raises alerts, so it is safe inside the API's lifespan or as ``domicare monitor``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import msgspec
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import SettingError, Settings, env_name
from backend.database.tenancy import TenantScope
from backend.domain.audit.services import record
from backend.domain.monitoring.alerting import (
    DEFAULT_CHECK_WAIT,
    raise_alarm_alert,
    raise_device_alert,
    raise_sensor_alert,
)
from backend.domain.monitoring.devices import DeviceRef, SensorRoute, home_key, load_homes, load_routes
from backend.domain.monitoring.models import DeadLetter as DeadLetterRow
from backend.domain.monitoring.models import Device, SensorEvent
from backend.domain.monitoring.repositories import DeviceRepository, SensorEventRepository
from backend.domain.operations.paging import page_alarms
from backend.domain.monitoring.sensor_health import (
    GATEWAY,
    HealthChanges,
    apply_health,
    note_offline,
    note_reading,
    resolve_offline,
)
from backend.domain.monitoring.storage import add_dead_letter, dead_letter_row, event_row, insert_events
from sensors.adapters.base import DeadLetter, DeviceStatus, GatewayStatus, PayloadError
from sensors.adapters.zigbee2mqtt import BrokerAccess, DeviceRegistry, Zigbee2MqttIngest
from sensors.adapters.zigbee2mqtt.normalise import SOURCE as ZIGBEE, normalise
from sensors.adapters.zigbee2mqtt.topics import Layout, parse_topic
from sensors.detectors import DetectorAlert
from sensors.detectors import ClientRules, HomeMonitor
from shared.enums import AlertKind, SensorKind
from shared.sensor_events import NOT_ACTIVITY_KINDS
from shared.sensor_events import SensorEvent as Reading
from shared.timekeeping import as_utc, utc_now

log = logging.getLogger("domicare.monitoring")

MAX_BATCH = 2000
WARM_LIMIT = 100_000  # stored events replayed into one home's detectors at most
WRITE_ATTEMPTS = 5
_UNREGISTERED = "is not registered"
AlarmPager = Callable[[list[int]], Awaitable[Any]]


def layout_of(settings: Settings) -> Layout:
    """The topic layout the settings name, or a :class:`SettingError` naming the variable."""
    try:
        return Layout(settings.mqtt_layout)
    except ValueError:
        choices = " or ".join(layout.value for layout in Layout)
        raise SettingError(f"{env_name('mqtt_layout')} must be {choices}, not {settings.mqtt_layout!r}") from None


class MqttOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Where the broker is, how this worker proves who it is, and how it subscribes (the ``mqtt_*`` settings)."""

    host: str = "127.0.0.1"
    port: int = 1883
    prefix: str = "zigbee2mqtt"
    client_id: str = "domicare-ingest"
    share_group: str | None = None  # several workers split one subscription: $share/<group>/...
    layout: Layout = Layout.SHARED
    access: BrokerAccess = msgspec.field(default_factory=BrokerAccess)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> MqttOptions:
        """Options from the ``mqtt_*`` settings, with explicit overrides (``None`` values are ignored)."""
        def path(value: Any) -> str | None:
            return str(value) if value else None

        values: dict[str, Any] = {
            "host": settings.mqtt_host,
            "port": settings.mqtt_port,
            "prefix": settings.mqtt_prefix,
            "client_id": settings.mqtt_client_id,
            "share_group": settings.mqtt_share_group or None,
            "layout": layout_of(settings),
            "access": BrokerAccess(username=settings.mqtt_username, password=settings.mqtt_password,
                                   tls=settings.mqtt_tls, ca_file=path(settings.mqtt_ca_file),
                                   cert_file=path(settings.mqtt_cert_file), key_file=path(settings.mqtt_key_file)),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)


class _Plan:
    """Everything one batch will write, worked out before the transaction so a retry repeats only the write."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.devices: dict[int, tuple[DeviceRef, dict[str, Any]]] = {}
        self.device_alerts: list[tuple[DeviceRef, DeviceStatus]] = []
        self.gateway_alerts: list[tuple[DeviceRef, DeviceStatus]] = []
        self.gateways_back: set[int] = set()  # gateways offline and back within the batch
        self.health: HealthChanges = {}
        self.sensor_alerts: list[tuple[int, int, DetectorAlert]] = []
        self.alarms: list[tuple[DeviceRef, Reading]] = []
        self.letters: list[DeadLetterRow] = []

    def touch(self, ref: DeviceRef, **changes: Any) -> None:
        _, current = self.devices.setdefault(ref.device_id, (ref, {}))
        if changes.get("online") and current.get("online") is False:
            self.gateways_back.add(ref.device_id)
        if "last_seen" in changes and "last_seen" in current:
            changes["last_seen"] = max(changes["last_seen"], current["last_seen"])
        current.update(changes)

    def __bool__(self) -> bool:
        return bool(self.rows or self.devices or self.device_alerts or self.gateway_alerts or self.health
                    or self.sensor_alerts or self.alarms or self.letters)


class MonitoringService:
    """One ingest worker: the MQTT subscription, the device routing table and every home's detectors.

    Detectors learn online from what this worker sees, so a home's traffic must reach
    one worker: run one per broker prefix (or per gateway partition), not several on a
    shared subscription, until detection moves to its own consumer.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], options: MqttOptions | None = None, *,
                 tick_seconds: float = 60.0, refresh_seconds: float = 30.0, warm_days: float = 14.0,
                 rules_for: Callable[[int], ClientRules] | None = None, pager: AlarmPager | None = None,
                 clock: Callable[[], datetime] = utc_now, check_wait: timedelta = DEFAULT_CHECK_WAIT) -> None:
        self.sessionmaker = sessionmaker
        self.check_wait = check_wait
        self.options = options or MqttOptions()
        self.tick_seconds = tick_seconds
        self.refresh_seconds = refresh_seconds
        self.warm_days = warm_days
        self._rules_for = rules_for or (lambda _client_id: ClientRules())
        self._pager = pager
        self._paging: set[asyncio.Task[None]] = set()
        self._clock = clock
        self.registry = DeviceRegistry()
        self._routes: dict[str, DeviceRef] = {}  # by topic key (friendly name, or gateway/friendly name)
        self._sensors: dict[tuple[str, str], DeviceRef] = {}  # by (home, friendly name): where a reading goes
        self._gateways: dict[str, DeviceRef] = {}  # by gateway (device) name
        self._monitors: dict[int, HomeMonitor] = {}
        self._providers: dict[int, int] = {}
        self._last_refresh = float("-inf")
        self._queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.ingest = Zigbee2MqttIngest(self.registry, host=self.options.host, port=self.options.port,
                                        client_id=self.options.client_id, prefix=self.options.prefix,
                                        on_dead_letter=self._threadsafe("dead"), on_status=self._threadsafe("status"),
                                        on_gateway=self._threadsafe("gateway"),
                                        share_group=self.options.share_group, layout=self.options.layout,
                                        access=self.options.access, clock=clock)
        self.stored = 0  # events written since start (for logs and benchmarks)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> MonitoringService:
        """Load the devices, start the writer and the clock, then connect (retrying until the broker is up)."""
        self._loop = asyncio.get_running_loop()
        await self.refresh()
        self._tasks = [asyncio.create_task(self._writer(), name="monitoring-writer"),
                       asyncio.create_task(self._clock_loop(), name="monitoring-clock")]
        self.ingest.start(self._threadsafe("event"))
        log.info("monitoring %s:%s/%s with %d sensors registered", self.options.host, self.options.port,
                 self.options.prefix, len(self._routes))
        return self

    async def stop(self, drain_seconds: float = 5.0) -> None:
        """Disconnect, store what is already queued, and stop the tasks."""
        await asyncio.to_thread(self.ingest.stop)
        try:
            await asyncio.wait_for(self._queue.join(), drain_seconds)
        except TimeoutError:
            log.warning("monitoring stopped with %d messages unstored", self._queue.qsize())
        if self._paging:
            await asyncio.wait(list(self._paging), timeout=drain_seconds)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    @property
    def sensor_count(self) -> int:
        """How many friendly names are routed to a home."""
        return len(self._routes)

    def is_connected(self) -> bool:
        """Whether the MQTT link is up."""
        return self.ingest.is_connected()

    # -- inputs ---------------------------------------------------------------------------------

    def _threadsafe(self, tag: str) -> Callable[[Any], None]:
        # Called on paho's thread: hand the item to the loop, never touch the loop's objects here.
        def put(item: Any) -> None:
            loop = self._loop
            if loop is None or loop.is_closed():
                log.warning("monitoring not running; dropped %s", tag)
                return
            try:
                loop.call_soon_threadsafe(self._queue.put_nowait, (tag, item))
            except RuntimeError:  # the loop closed between the check and the call
                log.warning("monitoring loop closed; dropped %s", tag)

        return put

    def observe(self, device: DeviceRef, readings: Iterable[Reading]) -> None:
        """Let the detectors see readings stored elsewhere (the webhook); call on the loop's thread."""
        self._queue.put_nowait(("stored", (device, list(readings))))

    async def tick(self, now: datetime | None = None) -> None:
        """Let time pass: detectors report what fell due before ``now`` and silent devices are reported."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(("tick", (now or self._clock(), done)))
        await done

    async def flush(self) -> None:
        """Wait until everything received so far is stored (tests and shutdown)."""
        # paho's thread hands items over with call_soon_threadsafe: one turn of the loop lets those
        # already handed over reach the queue, or join() could return before they are in it.
        await asyncio.sleep(0)
        await self._queue.join()

    # -- routing table --------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Reload the friendly-name routing table from the database (new, moved and removed devices)."""
        async with self.sessionmaker() as session:
            routes: list[SensorRoute] = await load_routes(session,
                                                          per_gateway=self.options.layout is Layout.PER_GATEWAY)
            homes = await load_homes(session)
        wanted = {route.key: route for route in routes}
        for key in set(self._routes) - set(wanted):
            self.registry.unregister(key)
        for route in routes:
            self.registry.register(route.key, home_key(route.device.client_id), route.room, route.kind)
            self._providers[route.device.client_id] = route.device.provider_id
        self._routes = {key: route.device for key, route in wanted.items()}
        self._sensors = {(home_key(route.device.client_id), route.friendly_name): route.device for route in routes}
        self._gateways = {route.gateway: route.device for route in routes}
        self._last_refresh = time.monotonic()
        # Every home with a gateway is watched, not only those heard from since this worker started:
        # a resident who fell just before a restart makes no further events.
        for device in homes:
            if device.client_id not in self._monitors:
                self._queue.put_nowait(("warm", device))

    async def _refresh_soon(self) -> bool:
        """Refresh for an unknown friendly name, at most twice a second; whether a refresh ran."""
        if time.monotonic() - self._last_refresh < 0.5:
            return False
        await self.refresh()
        return True

    # -- the writer -----------------------------------------------------------------------------

    async def _clock_loop(self) -> None:
        last_refresh = time.monotonic()
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                if time.monotonic() - last_refresh >= self.refresh_seconds:
                    self._queue.put_nowait(("refresh", None))
                    last_refresh = time.monotonic()
                await self.tick()
            except Exception:  # the clock must keep running
                log.exception("monitoring tick failed")

    async def _writer(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._handle(batch)
            except Exception:  # one bad batch must not stop the worker
                log.exception("monitoring batch of %d failed", len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _handle(self, batch: list[tuple[Any, ...]]) -> None:
        await self._warm_homes_of(batch)
        plan = _Plan()
        waiting: list[asyncio.Future[None]] = []
        for tag, item in batch:
            if tag == "event":
                self._plan_event(plan, item)
            elif tag == "status":
                self._plan_status(plan, item)
            elif tag == "gateway":
                self._plan_gateway(plan, item)
            elif tag == "dead":
                await self._plan_dead_letter(plan, item)
            elif tag == "stored":
                device, readings = item
                for reading in readings:
                    self._detect(plan, device, reading)
            elif tag == "tick":
                now, done = item
                self._plan_tick(plan, now)
                waiting.append(done)
            elif tag == "refresh":
                await self.refresh()
            elif tag == "warm" and item.client_id not in self._monitors:
                await self._warm(item, self._clock())
        try:
            if plan:
                await self._write(plan)
        finally:
            for done in waiting:
                if not done.done():
                    done.set_result(None)

    async def _warm_homes_of(self, batch: list[tuple[Any, ...]]) -> None:
        # A home seen for the first time learns from its stored past before its new readings.
        first: dict[int, tuple[DeviceRef, datetime]] = {}
        for tag, item in batch:
            if tag == "event":
                device, readings = self._sensors.get((item.home, item.sensor)), [item]
            elif tag == "stored":
                device, readings = item
            else:
                continue
            if device is not None and readings and device.client_id not in self._monitors:
                moment = min(as_utc(r.time) for r in readings)
                if device.client_id not in first or moment < first[device.client_id][1]:
                    first[device.client_id] = (device, moment)
        for device, before in first.values():
            await self._warm(device, before)

    async def _warm(self, device: DeviceRef, before: datetime) -> None:
        """Create a home's monitor and replay its stored events of the last ``warm_days`` into it."""
        monitor = self._monitor(device)
        if self.warm_days <= 0:
            return
        since = before - timedelta(days=self.warm_days)
        try:
            async with self.sessionmaker() as session:
                repo = SensorEventRepository(session, TenantScope.single(device.provider_id))
                statement = repo.select().where(SensorEvent.client_id == device.client_id, SensorEvent.at >= since,
                                                SensorEvent.at < before).order_by(SensorEvent.at, SensorEvent.id)
                rows = (await session.execute(statement.limit(WARM_LIMIT))).scalars().all()
        except Exception:  # learning from scratch is worse, not fatal
            log.exception("could not load the history of client %s", device.client_id)
            return
        home = home_key(device.client_id)
        for row in rows:
            # Alerts that fell due in the past were raised then (or are stale now): drop them.
            monitor.observe(Reading(home=home, sensor=row.sensor, room=row.room, kind=SensorKind(row.kind),
                                    value=row.value, time=row.at, source="history"))

    def _monitor(self, device: DeviceRef) -> HomeMonitor:
        monitor = self._monitors.get(device.client_id)
        if monitor is None:
            monitor = self._monitors[device.client_id] = HomeMonitor(home_key(device.client_id),
                                                                     rules=self._rules_for(device.client_id))
            self._providers[device.client_id] = device.provider_id
        return monitor

    def _plan_event(self, plan: _Plan, reading: Reading) -> None:
        device = self._sensors.get((reading.home, reading.sensor))
        if device is None:  # unregistered between the normaliser's look-up and now
            plan.letters.append(dead_letter_row(ZIGBEE, f"device {reading.sensor!r} is no longer registered",
                                                msgspec.json.encode(reading), None))
            return
        plan.rows.append(event_row(device, reading, self._clock()))
        # The gateway relayed it, so the gateway is up; the sensor's own state is its health row's.
        plan.touch(device, last_seen=as_utc(reading.time), online=True)
        note_reading(plan.health, device, reading)
        if reading.is_alarm:
            plan.alarms.append((device, reading))
        self._detect(plan, device, reading)

    def _detect(self, plan: _Plan, device: DeviceRef, reading: Reading) -> None:
        if reading.kind in NOT_ACTIVITY_KINDS:
            return  # climate and device health say nothing about the person (and cost the detectors time)
        for alert in self._monitor(device).observe(reading):
            plan.sensor_alerts.append((device.provider_id, device.client_id, alert))

    def _plan_status(self, plan: _Plan, status: DeviceStatus) -> None:
        device = self._sensors.get((status.home, status.sensor))
        if device is None:
            return
        plan.device_alerts.append((device, status))
        if status.kind is AlertKind.DEVICE_OFFLINE:
            note_offline(plan.health, device, status.sensor, status.room)

    def _plan_gateway(self, plan: _Plan, status: GatewayStatus) -> None:
        """A bridge went offline or came back: every home behind it is told at once.

        In the per-gateway layout the topic names the gateway; under a shared base topic one
        bridge speaks for every gateway registered there, so each of them is concerned.
        """
        if status.gateway is None:
            gateways = list({ref.device_id: ref for ref in self._gateways.values()}.values())
        else:
            gateways = [self._gateways[status.gateway]] if status.gateway in self._gateways else []
        for ref in gateways:
            plan.touch(ref, online=status.online)
            if not status.online:
                plan.gateway_alerts.append((ref, DeviceStatus(
                    home=home_key(ref.client_id), sensor=GATEWAY, room="gateway", kind=AlertKind.DEVICE_OFFLINE,
                    detail="its Zigbee2MQTT bridge went offline, so none of the home's sensors can report",
                    time=status.time)))

    async def _plan_dead_letter(self, plan: _Plan, letter: DeadLetter) -> None:
        if _UNREGISTERED in letter.reason and await self._refresh_soon():
            # Registered since the last refresh: read the message again rather than lose it.
            try:
                result = normalise(letter.key, letter.payload.encode(), self.registry, letter.received_at,
                                   self.options.prefix, self.options.layout)
            except PayloadError as exc:
                letter = DeadLetter(source=letter.source, key=letter.key, payload=letter.payload, reason=str(exc),
                                    received_at=letter.received_at)
            else:
                for reading in result.events:
                    self.ingest.silence.note(reading)
                    self._plan_event(plan, reading)
                for status in result.statuses:
                    self._plan_status(plan, status)
                return
        device = None
        try:
            topic = parse_topic(letter.key, self.options.prefix, self.options.layout)
        except PayloadError:
            pass
        else:
            # A device's own provider; else, where the base topic names a gateway, that gateway's provider
            # (a stranger paired to their gateway is theirs to see); else nobody's but the platform operator's.
            device = self._routes.get(topic.key or "") or self._gateways.get(topic.gateway or "")
        plan.letters.append(dead_letter_row(letter.source, f"{letter.key}: {letter.reason}", letter.payload,
                                            device.provider_id if device else None, as_utc(letter.received_at)))

    def _plan_tick(self, plan: _Plan, now: datetime) -> None:
        for client_id, monitor in self._monitors.items():
            for alert in monitor.advance(now):
                plan.sensor_alerts.append((self._providers[client_id], client_id, alert))
        for status in self.ingest.silence.check(now):
            self._plan_status(plan, status)

    async def _write(self, plan: _Plan) -> None:
        alarms: list[int] = []
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                async with self.sessionmaker() as session:
                    alarms = await self._apply(session, plan)
                    await session.commit()
                self.stored += len(plan.rows)
                break
            except Exception:
                if attempt == WRITE_ATTEMPTS:
                    raise
                log.warning("monitoring write failed (attempt %d), retrying", attempt, exc_info=True)
                await asyncio.sleep(min(2 ** attempt * 0.1, 2.0))
        if alarms and self._pager is not None:
            # Paged at once, beside the writer (an SMTP relay may take seconds; ingest must not wait for it).
            task = asyncio.create_task(self._page(alarms), name="monitoring-page-alarms")
            self._paging.add(task)
            task.add_done_callback(self._paging.discard)

    async def _page(self, alarm_ids: list[int]) -> None:
        assert self._pager is not None
        try:
            await self._pager(alarm_ids)
        except Exception:  # noqa: BLE001 - the alarm stays open at round 0 and the escalation pass pages it
            log.exception("paging alarms %s failed; the escalation job will retry", alarm_ids)

    async def _apply(self, session: AsyncSession, plan: _Plan) -> list[int]:
        """Write the plan in ``session``; the ids of alarms it raised (to be paged once committed)."""
        await insert_events(session, plan.rows)
        for ref, status in plan.gateway_alerts:
            await raise_device_alert(session, ref, status, since=status.time)
        if plan.devices:
            await self._update_devices(session, plan)
        for ref, status in plan.device_alerts:
            await raise_device_alert(session, ref, status)
        await apply_health(session, plan.health)  # after the alerts: a sensor offline and back within the batch
        for provider_id, client_id, alert in plan.sensor_alerts:
            await raise_sensor_alert(session, provider_id, client_id, alert, self.check_wait)
        alarms = []
        for ref, reading in plan.alarms:
            alarm, created = await raise_alarm_alert(session, ref, reading)
            if created:
                await session.flush()
                alarms.append(alarm.id)
        for letter in plan.letters:
            # A fresh row per attempt: a row from a rolled-back attempt is not reusable.
            await add_dead_letter(session, DeadLetterRow(provider_id=letter.provider_id, source=letter.source,
                                                         reason=letter.reason, payload=letter.payload,
                                                         received_at=letter.received_at))
        per_provider: dict[int, int] = defaultdict(int)
        for row in plan.rows:
            per_provider[row["provider_id"]] += 1
        for provider_id, count in per_provider.items():
            record(session, None, "ingest", "sensor_event", provider_id=provider_id,
                   detail={"source": ZIGBEE, "events": count})
        if plan.letters:
            record(session, None, "reject", "dead_letter", detail={"source": ZIGBEE, "count": len(plan.letters)})
        return alarms

    async def _update_devices(self, session: AsyncSession, plan: _Plan) -> None:
        # One read for every device the batch touched (the routing table already knows their providers).
        found = await DeviceRepository(session, TenantScope.system()).list(Device.id.in_(list(plan.devices)))  # type: ignore[union-attr]
        for device in found:
            ref, changes = plan.devices[device.id]  # type: ignore[index]
            if "last_seen" in changes:
                device.last_seen = max(changes["last_seen"], device.last_seen or changes["last_seen"])
            if changes.get("online") and (not device.online or device.id in plan.gateways_back):
                await resolve_offline(session, ref, GATEWAY)  # the gateway is back
            if "online" in changes:
                device.online = changes["online"]
            session.add(device)


async def start_monitoring(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], *,
                           host: str | None = None, port: int | None = None, prefix: str | None = None,
                           client_id: str | None = None, share_group: str | None = None,
                           tick_seconds: float = 60.0) -> MonitoringService:
    """Start the ingest worker on the running loop; ``await handle.stop()`` on shutdown.

    ``settings`` says how alarms are paged (the database comes through ``sessionmaker``);
    the broker comes from the arguments, else the ``mqtt_*`` settings.
    """
    options = MqttOptions.from_settings(settings, host=host, port=port, prefix=prefix, client_id=client_id,
                                        share_group=share_group)

    async def pager(alert_ids: list[int]) -> None:
        await page_alarms(sessionmaker, settings, alert_ids, utc_now())

    return await MonitoringService(sessionmaker, options, tick_seconds=tick_seconds, pager=pager,
                                   check_wait=timedelta(minutes=settings.welfare_check_wait_minutes)).start()


@asynccontextmanager
async def monitoring_lifespan(app: Litestar) -> AsyncIterator[None]:
    """A Litestar lifespan hook running the ingest worker beside the API when enabled.

    The worker is kept in ``app.state.monitoring`` so the sensor webhook hands its
    readings to the same detectors. The broker may be down: the worker keeps retrying.
    """
    if not app.state.settings.mqtt_ingest:
        app.state.monitoring = None
        yield
        return
    handle = await start_monitoring(app.state.settings, app.state.sessionmaker)
    app.state.monitoring = handle
    try:
        yield
    finally:
        app.state.monitoring = None
        await handle.stop()
