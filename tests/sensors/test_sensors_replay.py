"""Replay adapters: the real Kasteren file, and generated files with each format's quirks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from sensors.adapters.replay.activations import RecordingFormatError
from sensors.adapters.replay.recording import ReplayAdapter, load_recording
from shared.enums import SensorKind

KASTEREN_HEADER = (
    "Start time: Time sensor started firing\r\nSensor IDs are: \r\n"
    "    [ 5]    'Hall-Toilet door'  \r\n    [12]    'Frontdoor'         \r\n    [14]    'ToiletFlush'       \r\n"
    "    [24]    'Hall-Bedroom door' \r\n\r\n"
    "Start time          \tEnd time            \tID\tVal\r\n--------------------\t--------------------\t--\t---\r\n"
)


def write_kasteren(folder: Path, rows: list[str], length: int | None = None) -> Path:
    body = "\r\n".join(rows)
    footer = f"\r\nLength: {len(rows) if length is None else length}"
    folder.mkdir(exist_ok=True)
    (folder / "kasterenSenseData.txt").write_bytes((KASTEREN_HEADER + body + footer).encode("latin-1"))
    return folder


def test_real_kasteren_recording_parses_completely(kasteren_path):
    recording = load_recording(kasteren_path, "kasteren")
    assert len(recording.events) == 2 * 1319
    assert len({e.sensor for e in recording.events}) == 14
    assert recording.events[0].time == datetime(2008, 2, 25, 0, 20, 14)
    assert recording.events[-1].time == datetime(2008, 3, 23, 19, 4, 47)
    assert all(a.time <= b.time for a, b in zip(recording.events, recording.events[1:]))
    front = {e.room for e in recording.events if e.sensor == "Frontdoor"}
    assert front == {"entrance"}
    assert {e.kind for e in recording.events if e.sensor == "ToiletFlush"} == {SensorKind.FLUSH}
    assert len(recording.activities) == 245


def test_sense_file_path_and_folder_give_the_same_events(kasteren_path):
    by_folder = load_recording(kasteren_path, "kasteren").events
    by_file = load_recording(kasteren_path / "kasterenSenseData.txt", "kasteren").events
    assert [(e.sensor, e.time, e.value) for e in by_folder] == [(e.sensor, e.time, e.value) for e in by_file]


def test_kasteren_intervals_become_time_ordered_edges(tmp_path):
    folder = write_kasteren(tmp_path / "h", [
        "25-Feb-2008 09:00:00\t25-Feb-2008 11:00:00\t24\t1",   # bedroom door open for two hours
        "25-Feb-2008 09:30:00\t25-Feb-2008 09:30:05\t14\t1",
        "25-Feb-2008 10:00:00\t25-Feb-2008 10:00:00\t5\t1",    # zero length: on before off
    ])
    events = load_recording(folder, "kasteren").events
    assert [(e.sensor, e.value, e.time.strftime("%H:%M:%S")) for e in events] == [
        ("Hall-Bedroom door", 1.0, "09:00:00"), ("ToiletFlush", 1.0, "09:30:00"), ("ToiletFlush", 0.0, "09:30:05"),
        ("Hall-Toilet door", 1.0, "10:00:00"), ("Hall-Toilet door", 0.0, "10:00:00"), ("Hall-Bedroom door", 0.0, "11:00:00")]
    assert [e.room for e in events[:2]] == ["bedroom", "toilet"]


def test_kasteren_footer_mismatch_is_reported(tmp_path):
    folder = write_kasteren(tmp_path / "h", ["25-Feb-2008 09:00:00\t25-Feb-2008 09:00:01\t12\t1"], length=7)
    with pytest.raises(RecordingFormatError, match="Length: 7 but found 1"):
        load_recording(folder, "kasteren")


def test_kasteren_bad_date_names_the_line(tmp_path):
    folder = write_kasteren(tmp_path / "h", ["31-Foo-2008 09:00:00\t25-Feb-2008 09:00:01\t12\t1"])
    with pytest.raises(RecordingFormatError, match=r"kasterenSenseData.txt:\d+: bad date"):
        load_recording(folder, "kasteren")


ORDONEZ = (
    "Start time\t\tEnd time\t\tLocation\tType\tPlace\t\t\n"
    "----------\t\t--------\t\t--------\t----\t-----\t\t\n"
    "2011-11-28 02:27:59\t\t2011-11-28 10:18:11\t\tBed\t\tPressure\tBedroom\t\t\n"
    "2011-11-28 10:21:24 \t\t2011-11-28 10:21:31\t\tCabinet  \t\tMagnetic\tBathroom\t\t\n"
    "2011-11-28 10:21:44\t\t2011-11-28 10:23:31\t\tBasin\t\tPIR\tBathroom\n"
    "2011-11-28 10:23:02\t\t2011-11-28 10:23:04\t\tToilet\t\tFlush\tBathroom\n"
    "2011-11-28 10:25:04\t\t2011-11-28 10:25:14\t\tMaindoor\t\tMagnetic\tEntrance\n"
    "2011-11-28 10:34:23\t\t2011-11-28 10:34:41\t\tToaster\t\tElectric\tKitchen\n"
    "2011-11-28 10:40:00\t\t2011-11-28 12:00:00\t\tSeat\t\tPressure\tLiving\n"
)


def test_ordonez_rows_split_on_whitespace_with_object_kind_and_room(tmp_path):
    path = tmp_path / "OrdonezA_Sensors.txt"
    path.write_text(ORDONEZ)
    (tmp_path / "OrdonezA_ADLs.txt").write_text(
        "Start time\t\tEnd time\t\tActivity\n----------\t\t--------\t\t--------\n"
        "2011-11-28 02:27:59\t\t2011-11-28 10:18:11\t\tSleeping\t\t\n")
    recording = load_recording(path, "ordonez")
    on_edges = [(e.sensor, e.kind, e.room) for e in recording.events if e.value == 1.0]
    assert on_edges == [
        ("Bed (Bedroom)", SensorKind.PRESSURE, "bedroom"), ("Cabinet (Bathroom)", SensorKind.CONTACT, "bathroom"),
        ("Basin (Bathroom)", SensorKind.MOTION, "bathroom"), ("Toilet (Bathroom)", SensorKind.FLUSH, "bathroom"),
        ("Maindoor (Entrance)", SensorKind.CONTACT, "entrance"), ("Toaster (Kitchen)", SensorKind.POWER, "kitchen"),
        ("Seat (Living)", SensorKind.PRESSURE, "living")]
    assert recording.home == "OrdonezA_Sensors"
    assert [a.name for a in recording.activities] == ["Sleeping"]


def test_ordonez_unknown_type_is_an_error(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text(ORDONEZ.replace("Electric", "Sonar"))
    with pytest.raises(RecordingFormatError, match="unknown sensor type 'Sonar'"):
        load_recording(path, "ordonez")


def test_replay_paces_by_recording_time_divided_by_speed(kasteren_path):
    events = load_recording(kasteren_path, "kasteren").events[:4]
    sleeps: list[float] = []
    received = []
    ReplayAdapter(events, "kasteren", speed=60, sleep=sleeps.append).start(received.append)
    assert received == events
    gaps = [(b.time - a.time).total_seconds() / 60 for a, b in zip(events, events[1:])]
    assert sleeps == pytest.approx([g for g in gaps if g > 0])
