"""LOINC codes read and written for each vital sign."""

from __future__ import annotations

from shared.vitals import VitalSign

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
BP_PANEL = "85354-9"
INHALED_O2_FLOW = "3151-8"

# Every code accepted on input.
CODES: dict[str, VitalSign] = {
    "9279-1": VitalSign.RESPIRATORY_RATE,
    "8867-4": VitalSign.HEART_RATE,
    "59408-5": VitalSign.SPO2,
    "2708-6": VitalSign.SPO2,
    "8310-5": VitalSign.TEMPERATURE,
    "8480-6": VitalSign.SYSTOLIC_BP,
    "8462-4": VitalSign.DIASTOLIC_BP,
    "29463-7": VitalSign.BODY_WEIGHT,
    "15074-8": VitalSign.GLUCOSE,  # molar, blood
    "14743-9": VitalSign.GLUCOSE,  # molar, capillary blood by glucometer
    "2339-0": VitalSign.GLUCOSE,  # mass, blood
    "41653-7": VitalSign.GLUCOSE,  # mass, capillary blood by glucometer
    "8302-2": VitalSign.BODY_HEIGHT,
    "39156-5": VitalSign.BMI,
    "8478-0": VitalSign.MEAN_BP,
}
# Panels whose members carry the readings (as components, or as separate Observations in the Bundle).
VITALS_PANEL = "85353-1"
EXPORT_CODES: dict[VitalSign, tuple[str, str]] = {
    VitalSign.RESPIRATORY_RATE: ("9279-1", "Respiratory rate"),
    VitalSign.HEART_RATE: ("8867-4", "Heart rate"),
    VitalSign.SPO2: ("2708-6", "Oxygen saturation in Arterial blood"),
    VitalSign.TEMPERATURE: ("8310-5", "Body temperature"),
    VitalSign.SYSTOLIC_BP: ("8480-6", "Systolic blood pressure"),
    VitalSign.DIASTOLIC_BP: ("8462-4", "Diastolic blood pressure"),
    VitalSign.BODY_WEIGHT: ("29463-7", "Body weight"),
    VitalSign.GLUCOSE: ("15074-8", "Glucose [Moles/volume] in Blood"),
    VitalSign.BODY_HEIGHT: ("8302-2", "Body height"),
    VitalSign.BMI: ("39156-5", "Body mass index (BMI) [Ratio]"),
    VitalSign.MEAN_BP: ("8478-0", "Mean blood pressure"),
}
# Further codings written beside the export code: the R4 oxygen saturation profile requires 2708-6 and
# a pulse oximeter reading is also 59408-5.
EXTRA_CODINGS: dict[VitalSign, tuple[tuple[str, str], ...]] = {
    VitalSign.SPO2: (("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),),
}
