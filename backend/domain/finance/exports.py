"""The two finance portal file shapes, written chunk by chunk so a city-size week never sits in memory.

``abacus-csv``: one row per carer-visit, Access/Abacus-style columns, times in Europe/London.
``evv-json``: one JSON object with the batches, then one record per visit (no coordinates, no
free text from carers or supervisors), then the totals, streamed as it is produced.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import msgspec

from backend.domain.finance.billing import BilledVisit
from shared.timekeeping import LONDON

CSV_COLUMNS = (
    "FileReference", "ProviderRef", "ServiceUserRef", "WeekEnding", "VisitDate", "PlannedStartTime",
    "PlannedDuration", "ActualStartTime", "ActualDuration", "ClaimedDuration", "NumberOfCarers", "CarerRef",
    "Verified", "RoundingApplied", "Comment",
)
VERDICT_NAMES = {"Y": "verified", "A": "approved", "N": "unverified", "R": "rejected", "": "none"}
MEDIA_TYPES = {"abacus-csv": "text/csv; charset=utf-8", "evv-json": "application/json"}
EXTENSIONS = {"abacus-csv": "csv", "evv-json": "json"}


@dataclass
class FileHeader:
    """What a file says about one provider's batch."""

    file_reference: str
    provider_ref: str
    provider_name: str
    authority_code: str
    week_ending: date
    rules_version: int
    batch_id: int | None = None


@dataclass
class RunningTotals:
    """Counted while writing, so the caller learns the file's totals without a second pass."""

    rows: int = 0
    visits: int = 0
    actual_minutes: int = 0
    claimed_minutes: int = 0
    per_batch_rows: dict[str, int] = field(default_factory=dict)


def _hhmm(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    return f"{local.hour:02d}:{local.minute:02d}"


# ---------------------------------------------------------------- abacus CSV


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_header() -> str:
    """The header line."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(CSV_COLUMNS)
    return buffer.getvalue()


def csv_chunk(header: FileHeader, visits: Iterable[BilledVisit], totals: RunningTotals) -> str:
    """CSV rows (one per carer-visit) for a chunk of billed visits."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    week = header.week_ending.isoformat()
    provider_ref = _cell(header.provider_ref)  # every text a person typed in is escaped, refs included
    rows = 0
    for visit in visits:
        facts = visit.facts
        client_ref = _cell(facts.client_ref)
        planned_start = _hhmm(facts.planned_start)
        visit_date = facts.visit_date.isoformat()
        totals.visits += 1
        # The visit's amendment history goes once, on its first row, not once per carer line.
        history = "amended: " + ", ".join(c.reason_code for c in visit.changes) if visit.changes else ""
        for index, line in enumerate(visit.lines):
            comment = "; ".join(part for part in (line.comment, history if index == 0 else "") if part)
            writer.writerow((
                header.file_reference, provider_ref, client_ref, week, visit_date, planned_start,
                visit.slot_minutes, _hhmm(line.actual_start), line.actual_minutes, line.claimed_minutes,
                facts.carers_needed, _cell(line.carer_ref), line.verification, line.rounding,
                _cell(comment) if comment else "",
            ))
            rows += 1
            totals.actual_minutes += line.actual_minutes
            totals.claimed_minutes += line.claimed_minutes
    totals.rows += rows
    totals.per_batch_rows[header.file_reference] = totals.per_batch_rows.get(header.file_reference, 0) + rows
    return buffer.getvalue()


# ---------------------------------------------------------------- EVV JSON

_encoder = msgspec.json.Encoder()


class EvvCheck(msgspec.Struct):
    """How one check-in or check-out was evidenced: method and verdict, never a location."""

    method: str | None
    verdict: str


class EvvVerification(msgspec.Struct):
    """A carer's verification on a visit."""

    verdict: str
    check_in: EvvCheck | None
    check_out: EvvCheck | None


class EvvCarer(msgspec.Struct):
    """One carer's part of a visit (times in Europe/London)."""

    carer_ref: str | None
    start: datetime | None
    end: datetime | None
    actual_minutes: int
    claimed_minutes: int
    pay_minutes: int
    verification: EvvVerification
    rounding: str
    comment: str


class EvvPlanned(msgspec.Struct):
    """What was commissioned for the visit."""

    start: datetime
    end: datetime
    duration_minutes: int
    number_of_carers: int


class EvvChange(msgspec.Struct):
    """An approved amendment: reason code and fields set, never free text."""

    reason_code: str
    fields: list[str]
    status: str | None
    actual_start: datetime | None
    actual_end: datetime | None
    decided_at: datetime | None


class EvvRecord(msgspec.Struct):
    """One visit of the EVV file."""

    file_reference: str
    provider_ref: str
    visit_id: int
    service_type: str
    client_ref: str
    date: date
    status: str
    planned: EvvPlanned
    carers: list[EvvCarer]
    claimed_minutes: int
    actual_minutes: int
    changes: list[EvvChange]


def export_contents() -> dict[str, dict[str, Any]]:
    """JSON schemas of the two export files by media type, for the API's description."""
    csv_columns = ", ".join(CSV_COLUMNS)
    (record,), components = msgspec.json.schema_components([EvvRecord], ref_template="#/$defs/{name}")
    evv = {"type": "object", "description": "EVV JSON: the file's batches, one record per visit, then the totals",
           "required": ["batches", "visits", "totals"], "$defs": components,
           "properties": {"batches": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                          "visits": {"type": "array", "items": record},
                          "totals": {"type": "object", "additionalProperties": True}}}
    return {MEDIA_TYPES["abacus-csv"]: {"type": "string", "description": f"Abacus-style CSV with the columns {csv_columns}"},
            MEDIA_TYPES["evv-json"]: evv}


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(LONDON) if moment is not None else None


def evv_record(header: FileHeader, visit: BilledVisit) -> EvvRecord:
    """One visit as an EVV record: who, where (verdict only), when, and what was changed and why."""
    facts = visit.facts
    carers = []
    claimed = actual = 0
    for line in visit.lines:
        claimed += line.claimed_minutes
        actual += line.actual_minutes
        carers.append(EvvCarer(
            line.carer_ref or None, _local(line.actual_start), _local(line.actual_end), line.actual_minutes,
            line.claimed_minutes, line.pay_minutes,
            EvvVerification(
                VERDICT_NAMES.get(line.verification, "none"),
                EvvCheck(line.check_in_method, VERDICT_NAMES.get(line.check_in_verdict, "none"))
                if line.actual_start is not None else None,
                EvvCheck(line.check_out_method, VERDICT_NAMES.get(line.check_out_verdict, "none"))
                if line.actual_end is not None else None,
            ),
            line.rounding, line.comment,
        ))
    return EvvRecord(
        header.file_reference, header.provider_ref, facts.visit_id, facts.service_type, facts.client_ref,
        facts.visit_date, visit.status,
        EvvPlanned(facts.planned_start.astimezone(LONDON), facts.planned_end.astimezone(LONDON), visit.slot_minutes,
                   facts.carers_needed),
        carers, claimed, actual,
        [EvvChange(c.reason_code, c.fields, c.status, _local(c.actual_start), _local(c.actual_end), _local(c.decided_at))
         for c in visit.changes],
    )


def evv_open(headers: list[FileHeader], week_ending: date) -> str:
    """The start of the document, up to the opening of the visit list."""
    batches = [
        {"file_reference": h.file_reference, "provider_ref": h.provider_ref, "provider_name": h.provider_name,
         "authority": h.authority_code, "rules_version": h.rules_version}
        for h in headers
    ]
    head = _encoder.encode({"format": "evv-json", "week_ending": week_ending.isoformat(), "timezone": "Europe/London",
                            "batches": batches}).decode()
    return head[:-1] + ',"visits":['


def evv_chunk(header: FileHeader, visits: Iterable[BilledVisit], totals: RunningTotals) -> str:
    """Visit records for a chunk, comma-joined (and led by a comma unless they are the first)."""
    records = [evv_record(header, visit) for visit in visits]
    if not records:
        return ""
    for record in records:
        totals.actual_minutes += record.actual_minutes
        totals.claimed_minutes += record.claimed_minutes
    lead = "," if totals.visits else ""
    totals.visits += len(records)
    totals.rows += len(records)
    totals.per_batch_rows[header.file_reference] = totals.per_batch_rows.get(header.file_reference, 0) + len(records)
    return lead + _encoder.encode(records).decode()[1:-1]


def evv_close(totals: RunningTotals) -> str:
    """The end of the visit list and the file's totals."""
    return "]," + _encoder.encode({"totals": {
        "visits": totals.visits, "actual_minutes": totals.actual_minutes, "claimed_minutes": totals.claimed_minutes,
    }}).decode()[1:]


# ---------------------------------------------------------------- whole files


def write_sync(export_format: str, parts: Iterable[tuple[FileHeader, list[BilledVisit]]], headers: list[FileHeader],
               week_ending: date, totals: RunningTotals) -> Iterator[str]:
    """A whole file as text pieces from (header, chunk) pairs; used by the benchmark and tests."""
    if export_format == "abacus-csv":
        yield csv_header()
        for header, chunk in parts:
            yield csv_chunk(header, chunk, totals)
    else:
        yield evv_open(headers, week_ending)
        for header, chunk in parts:
            yield evv_chunk(header, chunk, totals)
        yield evv_close(totals)


async def write_async(export_format: str, parts: AsyncIterator[tuple[FileHeader, list[BilledVisit]]],
                      headers: list[FileHeader], week_ending: date, totals: RunningTotals) -> AsyncIterator[bytes]:
    """A whole file as UTF-8 chunks from an async stream of (header, chunk) pairs."""
    if export_format == "abacus-csv":
        yield csv_header().encode()
        async for header, chunk in parts:
            text = csv_chunk(header, chunk, totals)
            if text:
                yield text.encode()
    else:
        yield evv_open(headers, week_ending).encode()
        async for header, chunk in parts:
            text = evv_chunk(header, chunk, totals)
            if text:
                yield text.encode()
        yield evv_close(totals).encode()
