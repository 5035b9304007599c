"""``domicare monitor``: run the MQTT ingest worker in the foreground until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any


def register(subparsers: Any) -> None:
    """Add ``monitor`` to the CLI."""
    monitor = subparsers.add_parser("monitor", help="ingest Zigbee2MQTT sensor traffic into the database and raise alerts")
    monitor.add_argument("--database-url", default=None, help="overrides DOMICARE_DATABASE_URL")
    monitor.add_argument("--mqtt-host", default=None, help="broker host (DOMICARE_MQTT_HOST, default 127.0.0.1)")
    monitor.add_argument("--mqtt-port", type=int, default=None, help="broker port (DOMICARE_MQTT_PORT, default 1883)")
    monitor.add_argument("--prefix", default=None, help="Zigbee2MQTT base topic (DOMICARE_MQTT_PREFIX, default zigbee2mqtt)")
    monitor.add_argument("--client-id", default=None, help="MQTT client id, fixed so the broker keeps the session")
    monitor.add_argument("--tick-seconds", type=float, default=60.0, help="how often detectors and silence are checked")
    monitor.set_defaults(handler=run_monitor)


async def _run(args: argparse.Namespace) -> None:
    from backend.config import load_settings
    from backend.database.engine import create_engine, session_factory
    from backend.domain.monitoring.ingest import start_monitoring

    settings = load_settings(args.database_url)
    engine = create_engine(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    handle = await start_monitoring(settings, session_factory(engine), host=args.mqtt_host, port=args.mqtt_port,
                                    prefix=args.prefix, client_id=args.client_id, tick_seconds=args.tick_seconds)
    print(f"monitoring {handle.options.host}:{handle.options.port} topics {handle.options.prefix}/# "
          f"({handle.sensor_count} sensors registered); Ctrl-C to stop", flush=True)
    try:
        await stop.wait()
    finally:
        await handle.stop()
        await engine.dispose()
        print(f"stopped after storing {handle.stored} events", flush=True)


def run_monitor(args: argparse.Namespace) -> int:
    """``domicare monitor``."""
    from backend.config import load_settings
    from backend.database.migrate import upgrade_sync

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade_sync(load_settings(args.database_url).database_url)
    asyncio.run(_run(args))
    return 0
