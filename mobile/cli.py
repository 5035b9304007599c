"""``domicare mobile``: start the carer app (or the supervisor board) on a desktop, or take a screenshot.

``--screenshot FILE --user U --password P`` signs in, waits until the first screen shows
real data (the rota, or the board with ``--supervisor``), saves it as a PNG and exits;
it runs without a display (SDL offscreen). Kivy is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from domicare.errors import CommandError

PHONE_SIZE = (480, 900)
TABLET_SIZE = (1280, 960)
SCREENSHOT_TIMEOUT_S = 60.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("mobile", help="start the Kivy carer app (or the supervisor's tablet board)",
                                   description="Start the Domicare app on this computer.")
    parser.add_argument("--supervisor", action="store_true", help="supervisor mode: the tablet board")
    parser.add_argument("--server", metavar="URL", help="API server (default: the last one used, else http://127.0.0.1:8000)")
    parser.add_argument("--user", metavar="U", help="sign in as this user straight away")
    parser.add_argument("--password", metavar="P", help="password for --user")
    parser.add_argument("--screenshot", metavar="FILE", help="sign in, save the first screen as a PNG and exit")
    parser.add_argument("--data-dir", metavar="DIR", help="where the outbox and cached rota live "
                        "(default ~/.local/share/domicare-mobile; a temporary folder with --screenshot)")
    parser.add_argument("--size", metavar="WxH", help="window size (default 480x900, 1280x960 with --supervisor)")
    parser.add_argument("--location", metavar="MODE", help="desktop position: simulated (default), none, fixed:LAT,LON[,ACC]")
    parser.set_defaults(handler=run)


def _size(args: argparse.Namespace) -> tuple[int, int]:
    if not args.size:
        return TABLET_SIZE if args.supervisor else PHONE_SIZE
    try:
        width, height = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        raise CommandError(f"--size must look like 480x900, not {args.size!r}") from None
    return width, height


def _quiet(record: logging.LogRecord) -> bool:
    """Drop Kivy's start-up noise (missing X clipboard tools, config upgrades); keep real errors."""
    message = str(record.msg)
    return not message.startswith(("Cutbuffer", "xclip", "xsel", "Config: ", "Clipboard"))


def prepare_kivy(size: tuple[int, int], headless: bool) -> None:
    """Environment and window configuration; must run before the first Kivy import."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    kivy_home = Path(os.environ.setdefault("KIVY_HOME", str(Path.home() / ".cache" / "domicare-mobile" / "kivy")))
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_WINDOW", "sdl2")
    if headless or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform != "linux"):
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    from kivy.config import Config

    Config.set("kivy", "log_level", "error")
    logging.getLogger("kivy").addFilter(_quiet)
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "1")
    Config.set("kivy", "exit_on_escape", "0")
    desktop_input(Config)


def desktop_input(config: Any) -> None:
    """The mouse (and the system's own touch drivers) only, on a desktop.

    Kivy's Linux default also probes ``/dev/input`` for multitouch devices through libmtdev,
    which desktops rarely have: every start then printed an OSError traceback. The phone
    keeps Kivy's Android input, configured by its own platform.
    """
    for key, value in list(config.items("input", raw=True)):
        if value.split(",")[0] in ("probesysfs", "mtdev", "hidinput", "linuxwacom"):
            config.remove_option("input", key)
    config.set("input", "mouse", "mouse,disable_multitouch")


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if args.screenshot and not (args.user and args.password):
        raise CommandError("--screenshot needs --user and --password")
    if bool(args.user) != bool(args.password):
        raise CommandError("give --user and --password together")
    size = _size(args)
    if args.location:
        from mobile.platform.location.desktop import from_setting

        try:
            from_setting(args.location)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        os.environ["DOMICARE_MOBILE_LOCATION"] = args.location
    if args.data_dir:
        data_dir = Path(args.data_dir)
    elif args.screenshot:
        data_dir = Path(tempfile.mkdtemp(prefix="domicare-mobile-"))
    else:
        data_dir = Path(os.environ.get("DOMICARE_MOBILE_DATA", Path.home() / ".local/share/domicare-mobile"))
    data_dir.mkdir(parents=True, exist_ok=True)
    session, early = _early_sign_in(args, data_dir)
    prepare_kivy(size, headless=bool(args.screenshot))

    from mobile.app import DomicareApp

    app = DomicareApp(data_dir=data_dir, server=args.server or "", supervisor=args.supervisor, session=session,
                      early_sign_in=early)
    if args.screenshot:
        return _screenshot(app, Path(args.screenshot), started)
    app.run()
    return 0


def _early_sign_in(args: argparse.Namespace, data_dir: Path) -> tuple[Any, Any]:
    """With --user, sign in and fetch the rota on a thread while Kivy loads (saves about a second)."""
    from mobile.core.session import EarlySignIn, Session

    session = Session(data_dir)
    if not args.user:
        return session, None
    server = args.server or session.remembered.load().get("server") or "http://127.0.0.1:8000"
    return session, EarlySignIn(session, server, args.user, args.password, fetch_rota=not args.supervisor)


def _screenshot(app: Any, target: Path, started: float) -> int:
    """Run the app until its first screen shows data, save it, and stop."""
    from kivy.clock import Clock

    outcome: dict[str, Any] = {}

    def ready() -> bool:
        screen = app.screen
        if screen is None:
            return False
        if screen.name == "rota":
            return screen.rota is not None and not screen.loading and screen.rota.fetched_at is not None
        if screen.name == "supervisor":
            return screen.loads >= 1
        if screen.name == "sign_in" and screen.message and not screen.working:
            outcome["error"] = screen.message
            return True
        return False

    frames = {"ready": 0}

    def tick(_dt: float) -> bool:
        if time.monotonic() - started > SCREENSHOT_TIMEOUT_S:
            outcome["error"] = "timed out waiting for the first screen"
            app.stop()
            return False
        if not ready():
            return True
        frames["ready"] += 1
        if frames["ready"] < 3:  # let the layout settle for a couple of frames
            return True
        if "error" not in outcome:
            target.parent.mkdir(parents=True, exist_ok=True)
            app.root.export_to_png(str(target))
            outcome["seconds"] = time.monotonic() - started
        app.stop()
        return False

    Clock.schedule_interval(tick, 0)
    app.run()
    if "error" in outcome:
        raise CommandError(outcome["error"])
    print(f"saved {target} ({app.screen.name} screen, first rendered after {outcome['seconds']:.2f} s)")
    return 0
