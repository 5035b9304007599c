"""Readings texted in by people themselves, as real messages look: keywords, case, units, extra words, mistakes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sensors.vitals.sms import parse_sms, reply

AT = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("message", "readings"), [
    ("BP 132/84 P 71", [("systolic_bp", 132), ("diastolic_bp", 84), ("heart_rate", 71)]),
    ("WT 82.4", [("body_weight", 82.4)]),
    ("sats 94", [("spo2", 94)]),
    ("bg 6.2", [("glucose", 6.2)]),
    ("bp 132 / 84 p71", [("systolic_bp", 132), ("diastolic_bp", 84), ("heart_rate", 71)]),
    ("Weight 82.4kg this morning", [("body_weight", 82.4)]),
    ("weight 82,4", [("body_weight", 82.4)]),
    ("Sats 94% pulse 88 bpm", [("spo2", 94), ("heart_rate", 88)]),
    ("SpO2 95 HR 77", [("spo2", 95), ("heart_rate", 77)]),
    ("my sugar was 6.2 at 9am", [("glucose", 6.2)]),
    ("took it at 9:30, sats 93", [("spo2", 93)]),
    ("132/84", [("systolic_bp", 132), ("diastolic_bp", 84)]),
    ("wt 181 lbs", [("body_weight", 82.1)]),
    ("bg 110 mg/dl", [("glucose", 6.1)]),
    ("temp 99.1", [("temperature", 37.3)]),
    ("Blood pressure 145/92 pulse 90 weight 79.6 sats 96", [
        ("systolic_bp", 145), ("diastolic_bp", 92), ("heart_rate", 90), ("body_weight", 79.6), ("spo2", 96)]),
])
def test_real_world_messages_are_read(message: str, readings: list[tuple[str, float]]) -> None:
    parsed = parse_sms(message, "7", AT)
    assert [(r.sign.value, r.value) for r in parsed.readings] == readings
    assert parsed.problems == []
    assert all(r.source == "sms" and r.time == AT and r.client == "7" for r in parsed.readings)


@pytest.mark.parametrize(("message", "problem"), [
    ("hello", None),
    ("BP 84/132", "blood pressure 84/132 does not look right; please check it"),
    ("sats 194", "sats 194 does not look right; please check it"),
    ("weight", "no number after weight"),
    ("BP 140", "could not tell what 140 is: a blood pressure needs both numbers, like 132/84"),
    ("82.4", "could not tell what 82.4 is: which reading it is"),
])
def test_what_cannot_be_read_is_said_back_and_nothing_is_guessed(message: str, problem: str | None) -> None:
    parsed = parse_sms(message, "7", AT)
    assert parsed.readings == []
    assert parsed.problems == ([problem] if problem else [])
    text = reply(parsed)
    assert "Nothing was recorded" in text and "BP 132/84 P 71" in text
    if problem:
        assert problem in text


def test_a_reply_lists_what_was_received_and_what_was_not() -> None:
    parsed = parse_sms("BP 132/84 sats 940", "7", AT)
    assert reply(parsed) == ("Thank you, received: BP 132/84. Sorry, sats 940 does not look right; please check it. "
                             "For example: BP 132/84 P 71, WT 82.4, SATS 94 or BG 6.2.")
    assert reply(parse_sms("BP 132/84 P 71", "7", AT)) == "Thank you, received: BP 132/84, pulse 71."
