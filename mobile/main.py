"""Android entry point: python-for-android runs ``main.py`` at the top of buildozer's ``source.dir``.

buildozer packs the contents of ``mobile/`` as the app's root folder, so this file registers
that folder as the ``mobile`` package before importing the app. On the phone there is no
command line: data lives in the app's private folder; server and username are remembered.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _register_package() -> None:
    if HERE.name == "mobile":  # running from a checkout: the repository root holds the package
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
        sys.path.insert(0, str(HERE.parent))
        return
    # On the phone this folder is the app root and first on sys.path, where its ``platform``
    # package would shadow the standard library's: take it off the path, load the app and the
    # shared contracts it ships (``shared/``, see buildozer.spec) by location.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.modules.pop("platform", None) if getattr(sys.modules.get("platform"), "__path__", None) else None
    for name, folder in (("mobile", HERE), ("shared", HERE / "shared")):
        spec = importlib.util.spec_from_file_location(name, folder / "__init__.py", submodule_search_locations=[str(folder)])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)


def main() -> None:
    _register_package()
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    from kivy.app import App  # noqa: F401  (initialises Kivy before the window)

    from mobile.app import DomicareApp

    data_dir = Path(os.environ.get("ANDROID_PRIVATE", Path.home() / ".local/share/domicare-mobile")) / "domicare"
    DomicareApp(data_dir=data_dir).run()


if __name__ == "__main__":
    main()
