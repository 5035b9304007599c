"""The app's screens, one module and one ``.kv`` layout each; they present, ``mobile.core`` decides.

``load_screen_class(name)`` imports ``mobile.screens.<name>``, loads ``<name>.kv`` once and
returns the module's ``Screen`` subclass, so only screens in use cost start-up time.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

SCREENS = {
    "sign_in": "SignInScreen",
    "rota": "RotaScreen",
    "visit": "VisitScreen",
    "supervisor": "SupervisorScreen",
}
_loaded: set[str] = set()


def load_screen_class(name: str) -> Any:
    from kivy.lang import Builder

    module = importlib.import_module(f"mobile.screens.{name}")
    if name not in _loaded:
        Builder.load_file(str(Path(__file__).parent / f"{name}.kv"))
        _loaded.add(name)
    return getattr(module, SCREENS[name])
