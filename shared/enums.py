"""Enumerations of the domain words in DESIGN.md section 2."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a signed-in account may do."""

    CARER = "carer"
    SUPERVISOR = "supervisor"
    PROVIDER_ADMIN = "provider_admin"
    COMMISSIONER = "commissioner"
    DEVICE = "device"
    CLINICIAN = "clinician"  # telehealth hub nurse or community matron
    CLIENT = "client"  # the person, signed in to their own record
    INVITEE = "invitee"  # someone the client invited to their record (family, friend, GP practice, attorney)
    OPERATOR = "operator"  # runs the platform: sees what belongs to no provider (unregistered devices' dead letters)


class TelehealthProfile(StrEnum):
    """Which condition rules triage a client's vital signs (on top of NEWS2, which applies to everyone)."""

    DEFAULT = "default"
    HEART_FAILURE = "heart_failure"  # weight gain over days and the weekly trend
    COPD = "copd"  # SpO2 against the person's own target range and baseline
    DIABETES = "diabetes"  # hypo- and hyperglycaemia


class VisitStatus(StrEnum):
    """Lifecycle of a visit: planned -> in_progress -> completed, or missed / cancelled."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    MISSED = "missed"
    CANCELLED = "cancelled"


class VisitEventKind(StrEnum):
    """What a carer's device reported about a visit."""

    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    TASK = "task"
    NOTE = "note"
    CONCERN = "concern"
    PROOF = "proof"  # later proof of presence (a better GPS fix, a tag scan) for an unverified check-in


class CheckMethod(StrEnum):
    """How a check-in or check-out was evidenced."""

    GPS = "gps"
    QR = "qr"
    NFC = "nfc"
    MANUAL = "manual"


class AlertSeverity(StrEnum):
    """How urgently a human must look."""

    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class AlertState(StrEnum):
    """Alert lifecycle: open -> acknowledged -> resolved."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertKind(StrEnum):
    """Where an alert came from."""

    LATE_VISIT = "late_visit"
    MISSED_VISIT = "missed_visit"
    UNVERIFIED_END = "unverified_end"
    SENSOR_ANOMALY = "sensor_anomaly"
    VITALS = "vitals"
    DEVICE_OFFLINE = "device_offline"
    LOW_BATTERY = "low_battery"
    CONCERN = "concern"
    ALARM = "alarm"  # SOS, water leak, smoke, gas, carbon monoxide: someone is paged at once


class ResponseTier(StrEnum):
    """How a home-sensor finding is answered: a welfare check to the person first, or an alarm for staff."""

    CHECK = "check"
    URGENT = "urgent"


class WelfareCheckState(StrEnum):
    """A welfare check waits for "I'm OK"; answered, it is closed; unanswered past its wait, escalated."""

    OPEN = "open"
    ANSWERED = "answered"
    ESCALATED = "escalated"


class WelfareResponder(StrEnum):
    """Who said the person is OK: the person (home hub or own app), a carer, family, or the office."""

    PERSON = "person"
    CARER = "carer"
    FAMILY = "family"
    SUPERVISOR = "supervisor"


class AmendmentState(StrEnum):
    """An amendment waits for a supervisor's decision."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AmendmentReason(StrEnum):
    """Why a visit's record is corrected after the fact: the reason codes an amendment may carry.

    Listed with their meaning in the README; ``other`` needs a comment saying what happened.
    """

    LATE_ENTRY = "late_entry"  # the carer could not check in or out at the time (app closed, forgot)
    DEVICE_FAILED = "device_failed"  # the phone, its GPS or the home's tag failed
    WRONG_CARER = "wrong_carer"  # another carer than the one recorded delivered the visit
    CLIENT_DECLINED_REMAINING = "client_declined_remaining"  # the client asked the carer to leave early
    CLIENT_REQUEST = "client_request"  # the client asked for the visit at another time
    CLIENT_NOT_HOME = "client_not_home"  # nobody answered at the door
    CLIENT_IN_HOSPITAL = "client_in_hospital"
    CANCELLED_BY_CLIENT = "cancelled_by_client"
    CANCELLED_BY_PROVIDER = "cancelled_by_provider"
    OTHER = "other"


class SensorKind(StrEnum):
    """Normalised kinds of home sensor reading."""

    MOTION = "motion"
    CONTACT = "contact"
    PRESSURE = "pressure"
    POWER = "power"
    FLUSH = "flush"
    TEMPERATURE = "temperature"
    BATTERY = "battery"
    LINK_QUALITY = "link_quality"
    AVAILABILITY = "availability"
    # Appended, never reordered: the stored sequence number of a reading is its position here.
    VIBRATION = "vibration"
    WATER_LEAK = "water_leak"
    SMOKE = "smoke"
    GAS = "gas"
    CARBON_MONOXIDE = "carbon_monoxide"
    SOS = "sos"  # an SOS / panic button or pendant pressed
    TAMPER = "tamper"
    BATTERY_LOW = "battery_low"  # the device's own low-battery flag (1 low, 0 fine)
    HUMIDITY = "humidity"
    ILLUMINANCE = "illuminance"
    AIR_PRESSURE = "air_pressure"  # hPa, from a climate sensor (not a pressure pad)
    ENERGY = "energy"  # kWh, an appliance plug's running total
    BUTTON = "button"  # any other button press
    NO_MOTION = "no_motion"  # minutes without occupancy, as a motion sensor counts them
    SELF_TEST = "self_test"  # an alarm's test button: stored, never paged


class Condition(StrEnum):
    """The long-term condition a telehealth programme monitors."""

    COPD = "copd"
    HEART_FAILURE = "heart_failure"
    DIABETES = "diabetes"


class EnrolmentState(StrEnum):
    """Where a person is in the hub's programme: monitored, stepped down to lighter touch, or discharged."""

    ACTIVE = "active"
    STEPPED_DOWN = "stepped_down"
    DISCHARGED = "discharged"


class Rag(StrEnum):
    """Red/amber/green need on the hub's caseload."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class InterventionKind(StrEnum):
    """What a hub clinician did for a person."""

    PHONE_CALL = "phone_call"
    ADVICE = "advice"
    EDUCATION = "education"
    MEDICATION_REVIEW = "medication_review"
    GP_ESCALATION = "gp_escalation"
    NHS_111 = "nhs_111"
    EMERGENCY_999 = "emergency_999"
    HOME_VISIT_REQUESTED = "home_visit_requested"
    HOSPITAL_ADMISSION = "hospital_admission"  # recorded when the hub learns of one: an outcome the commissioner counts


class RecordCategory(StrEnum):
    """What a person invited to a client's record may be allowed to see."""

    VISITS = "visits"
    READINGS = "readings"
    NOTES = "notes"


class Relationship(StrEnum):
    """Who a member of a client's record is to the client."""

    SELF = "self"
    FAMILY = "family"
    FRIEND = "friend"
    GP_PRACTICE = "gp_practice"
    OTHER = "other"
