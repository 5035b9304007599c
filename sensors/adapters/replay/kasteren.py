"""Parser for van Kasteren House A style files (kasterenSenseData.txt, kasterenActData.txt).

Quirks handled: CRLF endings, Latin-1 text, a free-text header whose ``[ id] 'name'``
lines map sensor ids to names, a ``Length: N`` footer and ``25-Feb-2008 00:20:14`` dates.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sensors.adapters.replay.activations import Activation, Activity, RecordingFormatError
from sensors.rooms import guess_room
from shared.enums import SensorKind

SENSE_FILE = "kasterenSenseData.txt"
ACT_FILE = "kasterenActData.txt"

_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_SENSOR_ID = re.compile(r"^\s*\[\s*(\d+)\]\s*'([^']*)'")
_ACTIVITY_ID = re.compile(r"^\s*(\d+)\s*:\s*'([^']*)'")


def parse_time(text: str) -> datetime:
    """``25-Feb-2008 00:20:14`` as a naive datetime (the recording's own local clock)."""
    try:
        # Slicing is several times faster than strptime and the format is fixed width.
        return datetime(int(text[7:11]), _MONTHS[text[3:6]], int(text[0:2]),
                        int(text[12:14]), int(text[15:17]), int(text[18:20]))
    except (KeyError, ValueError):
        return datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S")


def sense_file(path: Path) -> Path:
    """The sense-data file for a folder or file path."""
    return path / SENSE_FILE if path.is_dir() else path


def _read_lines(path: Path) -> list[str]:
    # Latin-1 decodes any byte, so an accented name in a header never aborts a replay.
    return path.read_text(encoding="latin-1").splitlines()


def _split_table(lines: list[str], header_pattern: re.Pattern[str], path: Path) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """Header id→name map and the numbered data rows between the dashes line and the footer."""
    names: dict[str, str] = {}
    rows: list[tuple[int, str]] = []
    in_data = False
    expected: int | None = None
    for number, line in enumerate(lines, start=1):
        if not in_data:
            match = header_pattern.match(line)
            if match:
                names[match.group(1)] = match.group(2).strip()
            elif line.startswith("---"):
                in_data = True
            continue
        if line.startswith("Length:"):
            expected = int(line.split(":", 1)[1])
            break
        if line.strip():
            rows.append((number, line))
    if not in_data:
        raise RecordingFormatError(f"{path}: no '----' line before the data rows")
    if expected is not None and expected != len(rows):
        raise RecordingFormatError(f"{path}: footer says Length: {expected} but found {len(rows)} rows")
    return names, rows


def sensor_kind(name: str) -> SensorKind:
    """Kasteren sensors are reed switches except the toilet flush."""
    return SensorKind.FLUSH if "flush" in name.lower() else SensorKind.CONTACT


def read_activations(path: Path) -> list[Activation]:
    """Every sensor activation in a Kasteren sense-data file (folder or file path)."""
    file = sense_file(path)
    names, rows = _split_table(_read_lines(file), _SENSOR_ID, file)
    activations: list[Activation] = []
    for number, line in rows:
        fields = line.split("\t")
        if len(fields) < 3:
            raise RecordingFormatError(f"{file}:{number}: expected start, end, id, val separated by tabs")
        sensor_id = fields[2].strip()
        name = names.get(sensor_id, f"sensor {sensor_id}")
        try:
            start, end = parse_time(fields[0]), parse_time(fields[1])
        except ValueError as exc:
            raise RecordingFormatError(f"{file}:{number}: bad date ({exc})") from None
        activations.append(Activation(start, end, name, guess_room(name), sensor_kind(name)))
    return activations


def read_activities(path: Path) -> list[Activity]:
    """Ground-truth activities from kasterenActData.txt next to the sense data, if present."""
    folder = path if path.is_dir() else path.parent
    file = folder / ACT_FILE
    if not file.exists():
        return []
    names, rows = _split_table(_read_lines(file), _ACTIVITY_ID, file)
    activities = []
    for _, line in rows:
        fields = line.split("\t")
        activities.append(Activity(parse_time(fields[0]), parse_time(fields[1]), names.get(fields[2].strip(), fields[2].strip())))
    return activities
