"""One vocabulary for phone and server: the app's labels, the server's request schemas and the
shared enums name the same codes, and the Android build ships that vocabulary with the app.

The server side is read from the JSON schema msgspec derives from its request structs (what
it actually accepts), not from the shared enums, so a code typed into the server alone fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import msgspec
import pytest

from backend.domain.visits import schemas as server
from mobile.core import visit_actions as phone
from mobile.core.outbox import Outbox
from mobile.screens.rota import STATUS_WORDS
from shared.enums import VisitStatus
from shared.visit_actions import (
    ActionKind,
    CheckMethod,
    ConcernCategory,
    ManualReason,
    MedicationOutcome,
    SyncActionWire,
    SyncResultWire,
    SyncStatus,
    TaskOutcome,
)

MOBILE = Path(phone.__file__).resolve().parents[1]


def _accepted(struct: type[msgspec.Struct], *path: str) -> set[str]:
    """The enum values the server's request struct accepts at ``path`` (field names, ``[]`` for items)."""
    (schema,), components = msgspec.json.schema_components([struct], ref_template="{name}")
    node: dict[str, Any] = schema
    for step in path:
        if "$ref" in node:
            node = components[node["$ref"]]
        if step == "[]":
            node = node["items"]
        else:
            node = node["properties"][step]
        if "anyOf" in node:  # optional fields: the non-null branch
            node = next(n for n in node["anyOf"] if n.get("type") != "null")
    if "$ref" in node:
        node = components[node["$ref"]]
    return set(node["enum"])


@pytest.mark.parametrize(
    ("labels", "enum", "struct", "path"),
    [
        (phone.METHODS, CheckMethod, server.CheckBody, ("method",)),
        (phone.MANUAL_REASONS, ManualReason, server.CheckBody, ("reason",)),
        (phone.TASK_OUTCOMES, TaskOutcome, server.CheckBody, ("task_outcomes", "[]", "outcome")),
        (phone.MEDICATION_OUTCOMES, MedicationOutcome, server.CheckBody, ("medication_outcomes", "[]", "outcome")),
        (phone.CONCERN_CATEGORIES, ConcernCategory, server.ConcernBody, ("category",)),
        (phone.ACTION_KINDS, ActionKind, server.SyncAction, ("kind",)),
    ],
    ids=["methods", "manual-reasons", "task-outcomes", "medication-outcomes", "concern-categories", "action-kinds"],
)
def test_the_phones_labels_cover_exactly_the_codes_the_server_accepts(
    labels: dict[str, str], enum: type, struct: type[msgspec.Struct], path: tuple[str, ...]
) -> None:
    codes = {str(member) for member in enum}  # type: ignore[attr-defined]
    assert set(labels) == codes, "the app's labels and the shared vocabulary differ"
    assert _accepted(struct, *path) == codes, "the server accepts other codes than the shared vocabulary"
    assert all(label.strip() for label in labels.values())


def test_gps_unavailable_is_a_reason_the_carer_can_choose() -> None:
    assert phone.MANUAL_REASONS[ManualReason.GPS_UNAVAILABLE]
    body = phone.Evidence("manual", reason="gps_unavailable").body()
    assert msgspec.convert(body, server.CheckBody).reason == ManualReason.GPS_UNAVAILABLE


def test_the_rota_names_every_visit_status() -> None:
    assert set(STATUS_WORDS) == {str(s) for s in VisitStatus}


def test_sync_shapes_are_the_same_on_the_wire(tmp_path: Path) -> None:
    server_action = {f.name for f in msgspec.structs.fields(server.SyncAction)}
    server_result = {f.name for f in msgspec.structs.fields(server.SyncResult)}
    assert server_action == set(typing.get_type_hints(SyncActionWire))
    assert server_result == set(typing.get_type_hints(SyncResultWire))
    assert _accepted(server.SyncResult, "status") == {str(s) for s in SyncStatus}

    outbox = Outbox(tmp_path / "outbox.db")
    action = outbox.enqueue(ActionKind.NOTE, 7, {"text": "kettle descaled"})
    wire = action.to_wire()
    assert set(wire) == server_action
    decoded = msgspec.json.decode(json.dumps({"actions": [wire]}), type=server.SyncRequest)
    assert decoded.actions[0].kind == ActionKind.NOTE
    outbox.close()


# -- the Android build ships the vocabulary --------------------------------------------------


def _buildozer_app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy mobile/ as buildozer does for an APK, with buildozer's own code and our spec."""
    buildozer = pytest.importorskip("buildozer")
    monkeypatch.chdir(MOBILE)  # buildozer reads source.dir relative to where it runs
    build = buildozer.Buildozer(filename=str(MOBILE / "buildozer.spec"))
    build.config.set("buildozer", "build_dir", str(tmp_path / "build"))
    build.targetname = "android"
    build._copy_application_sources()
    return Path(build.app_dir)


def test_the_apk_sources_carry_the_shared_vocabulary_and_run_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app_dir = _buildozer_app_dir(tmp_path, monkeypatch)
    assert (app_dir / "main.py").is_file()
    assert (app_dir / "shared" / "visit_actions.py").is_file()
    assert (app_dir / "shared" / "enums.py").is_file()
    assert not (app_dir / "cli.py").exists()
    assert not (app_dir / "shared" / "vitals.py").exists()  # needs msgspec, which the phone lacks

    # The APK's folder, run as the phone runs it: main.py registers the packages from that
    # folder alone, and the app's modules load without the backend or any library the spec
    # does not list.
    probe = """
import json, sys
sys.argv = ["main.py"]
import main
main._register_package()
import mobile.core.session, mobile.core.sync_worker, mobile.core.visit_actions, mobile.screens.visit
import shared.visit_actions
files = [getattr(m, "__file__", None) for m in list(sys.modules.values())]
print(json.dumps({"shared": shared.visit_actions.__file__, "mobile": mobile.core.visit_actions.__file__,
                  "modules": sorted({n.split(".")[0] for n in sys.modules}), "files": [f for f in files if f]}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_HOME=str(tmp_path / "kivy"), SDL_VIDEODRIVER="offscreen")
    done = subprocess.run([sys.executable, "-c", probe], cwd=app_dir, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(loaded["shared"]).resolve().is_relative_to(app_dir.resolve())
    assert Path(loaded["mobile"]).resolve().is_relative_to(app_dir.resolve())
    # Nothing comes from the checkout beside the APK's folder, and nothing the phone cannot carry.
    repository = MOBILE.parent.resolve()
    environment = Path(sys.prefix).resolve()
    from_checkout = [f for f in loaded["files"]
                     if Path(f).resolve().is_relative_to(repository) and not Path(f).resolve().is_relative_to(environment)]
    assert not [f for f in from_checkout if not Path(f).resolve().is_relative_to(app_dir.resolve())]
    assert not {"backend", "msgspec", "litestar", "sqlalchemy", "sensors", "rostering"} & set(loaded["modules"])
