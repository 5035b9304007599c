"""Triage a batch of new readings against a client's history and profile; remind about missing ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from sensors.vitals import news2
from sensors.vitals.alerts import VitalsAlert
from sensors.vitals.conditions import VitalsProfile, glucose_alerts, spo2_alerts, weight_alerts
from shared.enums import AlertSeverity
from shared.vitals import VitalObservation, VitalSign

# Readings taken within this window of the newest one count as one NEWS2 set.
NEWS2_WINDOW = timedelta(hours=1)
_NEWS2_SIGNS = set(news2.REQUIRED) | {VitalSign.SUPPLEMENTAL_OXYGEN, VitalSign.CONSCIOUSNESS}


def latest_set(observations: list[VitalObservation], at: datetime) -> dict[VitalSign, float]:
    """The most recent value of each NEWS2 parameter within the window before ``at``."""
    latest: dict[VitalSign, VitalObservation] = {}
    for obs in observations:
        if obs.sign in _NEWS2_SIGNS and at - NEWS2_WINDOW <= obs.time <= at:
            if obs.sign not in latest or obs.time > latest[obs.sign].time:
                latest[obs.sign] = obs
    return {sign: obs.value for sign, obs in latest.items()}


def triage(new: list[VitalObservation], history: list[VitalObservation], profile: VitalsProfile) -> list[VitalsAlert]:
    """Alerts raised by ``new`` readings (history is everything stored before them)."""
    if not new:
        return []
    alerts: list[VitalsAlert] = []
    at = max(obs.time for obs in new)
    if any(obs.sign in _NEWS2_SIGNS for obs in new):
        result = news2.score(latest_set(history + new, at), hypercapnic=profile.hypercapnic)
        if result.severity is not None and result.severity is not AlertSeverity.INFO:
            scored = ", ".join(f"{name} {points}" for name, points in result.points.items() if points)
            missing = f"; not measured: {', '.join(result.missing)}" if result.missing else ""
            alerts.append(VitalsAlert(client=profile.client, at=at, rule="news2", severity=result.severity,
                                      explanation=f"NEWS2 {result.total} ({scored}) → {result.response}{missing}"))
    for obs in new:
        if obs.sign is VitalSign.BODY_WEIGHT and profile.heart_failure:
            alerts += weight_alerts(obs, history, profile)
        elif obs.sign is VitalSign.SPO2 and profile.copd:
            alerts += spo2_alerts(obs, history, profile)
        elif obs.sign is VitalSign.GLUCOSE and (profile.diabetes or obs.value < profile.hypo_level2_mmol):
            alerts += glucose_alerts(obs, profile)
    return alerts


def overdue(history: list[VitalObservation], profile: VitalsProfile, now: datetime) -> list[VitalsAlert]:
    """A reminder for each expected reading not taken within its interval (e.g. daily weight)."""
    reminders = []
    for sign, every in profile.expected_every.items():
        times = [obs.time for obs in history if obs.sign is sign]
        last = max(times, default=None)
        if last is None or now - last > every:
            since = f"last one {last.isoformat()}" if last else "none received yet"
            reminders.append(VitalsAlert(client=profile.client, at=now, rule="reading_overdue",
                                         severity=AlertSeverity.INFO,
                                         explanation=f"{sign.value.replace('_', ' ')} reading overdue "
                                                     f"(expected every {every}); {since}"))
    return reminders
