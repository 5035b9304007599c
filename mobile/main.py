"""Android entry point (python-for-android runs ``main.py`` from buildozer's ``source.dir``).

On the phone there is no command line: the app keeps its data in Kivy's per-user folder
and remembers the server and username from the last sign-in.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so ``mobile`` imports as a package


def main() -> None:
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    from kivy.app import App  # noqa: F401  (initialises Kivy before the window)

    from mobile.app import DomicareApp

    data_dir = Path(os.environ.get("ANDROID_PRIVATE", Path.home() / ".local/share/domicare-mobile")) / "domicare"
    DomicareApp(data_dir=data_dir).run()


if __name__ == "__main__":
    main()
