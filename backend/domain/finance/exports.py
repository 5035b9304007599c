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
    return moment.astimezone(LONDON).strftime("%H:%M") if moment is not None else ""


def _local_iso(moment: datetime | None) -> str | None:
    return moment.astimezone(LONDON).isoformat(timespec="seconds") if moment is not None else None


# ---------------------------------------------------------------- abacus CSV


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
    rows = 0
    for visit in visits:
        facts = visit.facts
        planned_start = _hhmm(facts.planned_start)
        visit_date = facts.visit_date.isoformat()
        totals.visits += 1
        for line in visit.lines:
            writer.writerow((
                header.file_reference, header.provider_ref, facts.client_ref, week, visit_date, planned_start,
                visit.slot_minutes, _hhmm(line.actual_start), line.actual_minutes, line.claimed_minutes,
                facts.carers_needed, line.carer_ref, line.verification, line.rounding, line.comment,
            ))
            rows += 1
            totals.actual_minutes += line.actual_minutes
            totals.claimed_minutes += line.claimed_minutes
    totals.rows += rows
    totals.per_batch_rows[header.file_reference] = totals.per_batch_rows.get(header.file_reference, 0) + rows
    return buffer.getvalue()


# ---------------------------------------------------------------- EVV JSON

_encoder = msgspec.json.Encoder()


def _check(method: str | None, verdict: str) -> dict[str, Any]:
    return {"method": method, "verdict": VERDICT_NAMES.get(verdict, "none")}


def evv_record(header: FileHeader, visit: BilledVisit) -> dict[str, Any]:
    """One visit as an EVV record: who, where (verdict only), when, and what was changed and why."""
    facts = visit.facts
    return {
        "file_reference": header.file_reference,
        "provider_ref": header.provider_ref,
        "visit_id": facts.visit_id,
        "service_type": facts.service_type,
        "client_ref": facts.client_ref,
        "date": facts.visit_date.isoformat(),
        "status": visit.status,
        "planned": {
            "start": _local_iso(facts.planned_start),
            "end": _local_iso(facts.planned_end),
            "duration_minutes": visit.slot_minutes,
            "number_of_carers": facts.carers_needed,
        },
        "carers": [
            {
                "carer_ref": line.carer_ref or None,
                "start": _local_iso(line.actual_start),
                "end": _local_iso(line.actual_end),
                "actual_minutes": line.actual_minutes,
                "claimed_minutes": line.claimed_minutes,
                "pay_minutes": line.pay_minutes,
                "verification": {
                    "verdict": VERDICT_NAMES.get(line.verification, "none"),
                    "check_in": _check(line.check_in_method, line.check_in_verdict) if line.actual_start else None,
                    "check_out": _check(line.check_out_method, line.check_out_verdict) if line.actual_end else None,
                },
                "rounding": line.rounding,
                "comment": line.comment,
            }
            for line in visit.lines
        ],
        "claimed_minutes": visit.claimed_minutes,
        "actual_minutes": visit.actual_minutes,
        "changes": [
            {
                "reason_code": change.reason_code,
                "fields": change.fields,
                "status": change.status,
                "actual_start": _local_iso(change.actual_start),
                "actual_end": _local_iso(change.actual_end),
                "decided_at": _local_iso(change.decided_at),
            }
            for change in visit.changes
        ],
    }


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
    parts: list[bytes] = []
    for visit in visits:
        parts.append(_encoder.encode(evv_record(header, visit)))
        totals.actual_minutes += visit.actual_minutes
        totals.claimed_minutes += visit.claimed_minutes
    if not parts:
        return ""
    lead = "," if totals.visits else ""
    totals.visits += len(parts)
    totals.rows += len(parts)
    totals.per_batch_rows[header.file_reference] = totals.per_batch_rows.get(header.file_reference, 0) + len(parts)
    return lead + b",".join(parts).decode()


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
