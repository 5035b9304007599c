"""Parser for the UCI ADL "Ordonez" recordings (OrdonezA_Sensors.txt and friends).

After two header lines each row is ``start date, start time, end date, end time,
object, type, place``, separated by runs of tabs and stray spaces, so rows are split
on whitespace. The header's "Location" column is the object and "Place" the room.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sensors.adapters.replay.activations import Activation, Activity, RecordingFormatError
from sensors.rooms import normalise_room
from shared.enums import SensorKind

_KINDS = {
    "pressure": SensorKind.PRESSURE,
    "pir": SensorKind.MOTION,
    "magnetic": SensorKind.CONTACT,
    "flush": SensorKind.FLUSH,
    "electric": SensorKind.POWER,
}
_HEADER_LINES = 2


def _data_rows(path: Path) -> list[tuple[int, list[str]]]:
    lines = path.read_text(encoding="latin-1").splitlines()
    return [(number, line.split()) for number, line in enumerate(lines, start=1)
            if number > _HEADER_LINES and line.strip()]


def _time(date_text: str, time_text: str) -> datetime:
    return datetime.fromisoformat(f"{date_text} {time_text}")


def read_activations(path: Path) -> list[Activation]:
    """Every sensor activation in an Ordonez sensors file."""
    activations: list[Activation] = []
    for number, fields in _data_rows(path):
        if len(fields) < 7:
            raise RecordingFormatError(f"{path}:{number}: expected 7 whitespace-separated fields, found {len(fields)}")
        sensor_type = fields[-2].lower()
        kind = _KINDS.get(sensor_type)
        if kind is None:
            raise RecordingFormatError(f"{path}:{number}: unknown sensor type {fields[-2]!r}")
        try:
            start, end = _time(fields[0], fields[1]), _time(fields[2], fields[3])
        except ValueError as exc:
            raise RecordingFormatError(f"{path}:{number}: bad date ({exc})") from None
        place = fields[-1]
        item = " ".join(fields[4:-2])
        activations.append(Activation(start, end, f"{item} ({place})", normalise_room(place), kind))
    return activations


def labels_file(path: Path) -> Path:
    """``OrdonezA_ADLs.txt`` for ``OrdonezA_Sensors.txt``."""
    return path.with_name(path.name.replace("Sensors", "ADLs"))


def read_activities(path: Path) -> list[Activity]:
    """Ground-truth activities from the matching ADLs file, if it exists."""
    file = labels_file(path)
    if file == path or not file.exists():
        return []
    return [Activity(_time(f[0], f[1]), _time(f[2], f[3]), " ".join(f[4:]))
            for _, f in _data_rows(file) if len(f) >= 5]
