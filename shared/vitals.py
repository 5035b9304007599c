"""The vital-sign observation contract shared by telehealth ingest, triage, storage and export."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec


class VitalSign(StrEnum):
    """What was measured; each has one canonical UCUM unit (see ``CANONICAL_UNITS``)."""

    RESPIRATORY_RATE = "respiratory_rate"
    HEART_RATE = "heart_rate"
    SPO2 = "spo2"
    TEMPERATURE = "temperature"
    SYSTOLIC_BP = "systolic_bp"
    DIASTOLIC_BP = "diastolic_bp"
    BODY_WEIGHT = "body_weight"
    GLUCOSE = "glucose"
    SUPPLEMENTAL_OXYGEN = "supplemental_oxygen"  # 1 on oxygen, 0 on air
    CONSCIOUSNESS = "consciousness"  # ACVPU coded 0=A 1=C (new confusion) 2=V 3=P 4=U
    # Stored and exported, not triaged.
    BODY_HEIGHT = "body_height"
    BMI = "bmi"
    MEAN_BP = "mean_bp"


CANONICAL_UNITS: dict[VitalSign, str] = {
    VitalSign.RESPIRATORY_RATE: "/min",
    VitalSign.HEART_RATE: "/min",
    VitalSign.SPO2: "%",
    VitalSign.TEMPERATURE: "Cel",
    VitalSign.SYSTOLIC_BP: "mm[Hg]",
    VitalSign.DIASTOLIC_BP: "mm[Hg]",
    VitalSign.BODY_WEIGHT: "kg",
    VitalSign.GLUCOSE: "mmol/L",
    VitalSign.SUPPLEMENTAL_OXYGEN: "1",
    VitalSign.CONSCIOUSNESS: "1",
    VitalSign.BODY_HEIGHT: "cm",
    VitalSign.BMI: "kg/m2",
    VitalSign.MEAN_BP: "mm[Hg]",
}


class VitalObservation(msgspec.Struct, frozen=True, kw_only=True):
    """One validated reading for one client, always in the sign's canonical unit."""

    client: str
    sign: VitalSign
    value: float
    time: datetime
    source: str
    # When a sender recorded only the date (or month, or year): that text, and ``time`` is its start.
    date_only: str | None = None
