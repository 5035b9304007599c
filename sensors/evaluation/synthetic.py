"""Synthetic homes unlike the one real recording: a check of generalisation, never a place to tune.

Each home draws its own person and kit: getting-up and bed times (later at weekends),
long seated spells in front of the television (up to seven hours, motionless on a seat
pad), naps, outings, night toilet trips, and a kit of motion sensors with or without bed
and seat pads and a television plug. They stand in for homes the detectors have never seen,
with the habits that caused false alarms there (issue 17): long afternoons seated, late mornings.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sensors.adapters.replay.recording import Recording
from shared.enums import SensorKind
from shared.sensor_events import SensorEvent

_START = datetime(2024, 1, 1)  # a Monday


class _Home:
    """One synthetic person and kit, emitting sensor events as their days are lived."""

    def __init__(self, name: str, rng: random.Random) -> None:
        self.name, self.rng = name, rng
        self.wake = rng.uniform(6.5, 10.0)
        self.wake_sd = rng.uniform(0.25, 1.0)
        self.weekend_lie_in = rng.uniform(0.0, 1.5)
        self.bedtime = rng.uniform(21.5, 24.0)
        self.step = rng.uniform(1.0, 4.0)  # minutes between motion pulses while moving about
        self.seat_median = rng.uniform(1.0, 2.5)  # hours
        self.fidget = rng.choice([None, rng.uniform(10, 60)])  # minutes between motion pulses while seated
        self.outing_chance = rng.uniform(0.2, 0.8)
        self.nap_chance = rng.uniform(0.0, 0.4)
        self.night_trips = rng.uniform(0.3, 2.0)
        self.bed_pad = rng.random() < 0.7
        self.seat_pad = rng.random() < 0.7
        self.tv_plug = rng.random() < 0.5
        self.events: list[SensorEvent] = []

    def _emit(self, sensor: str, room: str, kind: SensorKind, value: float, at: datetime) -> None:
        self.events.append(SensorEvent(home=self.name, sensor=sensor, room=room, kind=kind, value=value, time=at,
                                       source="synthetic"))

    def _pulse(self, sensor: str, room: str, kind: SensorKind, at: datetime, seconds: float = 30) -> None:
        self._emit(sensor, room, kind, 1.0, at)
        self._emit(sensor, room, kind, 0.0, at + timedelta(seconds=seconds))

    def _move(self, room: str, at: datetime, minutes: float) -> datetime:
        """Moving about a room: motion pulses, a fridge or a flush now and then."""
        end = at + timedelta(minutes=minutes)
        while at < end:
            self._pulse(f"{room} motion", room, SensorKind.MOTION, at)
            if room == "kitchen" and self.rng.random() < 0.3:
                self._pulse("fridge door", "kitchen", SensorKind.CONTACT, at + timedelta(seconds=40), 20)
            at += timedelta(minutes=self.rng.uniform(0.5, 2) * self.step)
        if room == "bathroom":
            self._pulse("toilet flush", "bathroom", SensorKind.FLUSH, end, 5)
        return end

    def _still(self, pad: str, room: str, at: datetime, hours: float, tv: bool = False) -> datetime:
        """Seated or lying still: the pad pressed, motion only when the person fidgets."""
        end = at + timedelta(hours=hours)
        if (pad == "seat pad" and self.seat_pad) or (pad == "bed pad" and self.bed_pad):
            self._emit(pad, room, SensorKind.PRESSURE, 1.0, at)
            self._emit(pad, room, SensorKind.PRESSURE, 0.0, end)
        if tv:
            self._emit("tv plug", room, SensorKind.POWER, 1.0, at + timedelta(seconds=20))
            self._emit("tv plug", room, SensorKind.POWER, 0.0, end - timedelta(seconds=20))
        if self.fidget is not None and room == "living":
            moment = at + timedelta(minutes=self.rng.expovariate(1 / self.fidget))
            while moment < end:
                self._pulse("living motion", "living", SensorKind.MOTION, moment)
                moment += timedelta(minutes=self.rng.expovariate(1 / self.fidget))
        return end

    def day(self, start: datetime) -> None:
        """One day from getting up to the next morning."""
        rng = self.rng
        weekend = start.weekday() >= 5
        wake = start + timedelta(hours=max(5.5, rng.gauss(self.wake + (self.weekend_lie_in if weekend else 0), self.wake_sd)))
        bedtime = start + timedelta(hours=rng.gauss(self.bedtime, 0.5))
        if self.bed_pad:
            self._emit("bed pad", "bedroom", SensorKind.PRESSURE, 0.0, wake)
        at = self._move("bedroom", wake, 2)
        at = self._move("bathroom", at, rng.uniform(5, 15))
        at = self._move("kitchen", at, rng.uniform(15, 35))
        outing = rng.random() < self.outing_chance
        napped = False
        while at < bedtime - timedelta(minutes=30):
            at = self._move("hall", at, 1)
            choice = rng.random()
            if outing and at.hour >= 10:
                self._pulse("front door", "entrance", SensorKind.CONTACT, at, 10)
                at += timedelta(hours=rng.uniform(1, 4))
                self._pulse("front door", "entrance", SensorKind.CONTACT, at, 10)
                outing = False
            elif not napped and 13 <= at.hour < 16 and rng.random() < self.nap_chance:
                at = self._move("bedroom", at, 2)
                at = self._still("bed pad", "bedroom", at, rng.uniform(0.5, 1.5))
                napped = True
            elif choice < 0.45:
                self._move("living", at, 1)
                hours = min(7.0, rng.lognormvariate(0, 0.6) * self.seat_median)
                at = self._still("seat pad", "living", at + timedelta(minutes=1), hours, tv=self.tv_plug)
            elif choice < 0.7:
                at = self._move("kitchen", at, rng.uniform(10, 40))
            elif choice < 0.85:
                at = self._move("living", at, rng.uniform(5, 30))
            else:
                at = self._move("bathroom", at, rng.uniform(3, 10))
        at = self._move("bathroom", max(at, bedtime), 8)
        at = self._move("bedroom", at, 5)
        if self.bed_pad:
            self._emit("bed pad", "bedroom", SensorKind.PRESSURE, 1.0, at)
        for _ in range(_poisson(rng, self.night_trips)):
            trip = at + timedelta(hours=rng.uniform(0.5, 4.5))  # back in bed well before morning
            if self.bed_pad:
                self._emit("bed pad", "bedroom", SensorKind.PRESSURE, 0.0, trip)
            back = self._move("bathroom", trip + timedelta(minutes=1), rng.uniform(2, 6))
            if self.bed_pad:
                self._emit("bed pad", "bedroom", SensorKind.PRESSURE, 1.0, back + timedelta(minutes=1))


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1)
    while total < mean:
        count, total = count + 1, total + rng.expovariate(1)
    return count


def synthetic_home(number: int, days: int, seed: int = 0) -> Recording:
    """A synthetic home's recording of ``days`` days (events in time order, no labels)."""
    rng = random.Random(f"{seed}:{number}")
    home = _Home(f"synthetic-{seed}-{number}", rng)
    if home.bed_pad:
        home._emit("bed pad", "bedroom", SensorKind.PRESSURE, 1.0, _START)
    for offset in range(days):
        home.day(_START + timedelta(days=offset))
    events = sorted(home.events, key=lambda event: event.time)
    return Recording(home.name, events, [])
