"""A client's telehealth condition profile: which rules triage their readings, with their own thresholds.

Every reading, however it arrives (FHIR, the compact form, a hub or staff), is triaged through
``record_observations``, which asks ``profile_for``; whoever may adjust thresholds (a supervisor,
the telehealth hub's clinician) changes them through ``update_profile``, which keeps an audit row
with the values before and after.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.audit.services import record
from backend.domain.monitoring.models import TelehealthProfile as ProfileRow
from backend.domain.monitoring.repositories import TelehealthProfileRepository
from backend.domain.monitoring.schemas import ProfileIn, ProfileOut, ProfileThresholds
from backend.security.principal import Principal
from sensors.vitals import VitalsProfile
from shared.enums import TelehealthProfile
from shared.timekeeping import utc_now

_CONDITION_FLAG = {TelehealthProfile.HEART_FAILURE: "heart_failure", TelehealthProfile.COPD: "copd",
                   TelehealthProfile.DIABETES: "diabetes"}


class ProfileError(ValueError):
    """Thresholds that contradict each other; the message names them."""


def _check(thresholds: ProfileThresholds) -> None:
    effective = _effective(thresholds)
    if effective.spo2_target_low is not None and effective.spo2_target_high is not None \
            and effective.spo2_target_low >= effective.spo2_target_high:
        raise ProfileError("spo2_target_low must be below spo2_target_high")
    assert effective.hypo_level2_mmol is not None and effective.hypo_mmol is not None
    assert effective.hyper_mmol is not None
    if not effective.hypo_level2_mmol < effective.hypo_mmol < effective.hyper_mmol:
        raise ProfileError("glucose thresholds must rise: hypo_level2_mmol < hypo_mmol < hyper_mmol "
                           f"(here {effective.hypo_level2_mmol:g}, {effective.hypo_mmol:g}, {effective.hyper_mmol:g})")


def vitals_profile(client_id: int, profile: TelehealthProfile, thresholds: ProfileThresholds) -> VitalsProfile:
    """The library's profile for a client: the condition's rules switched on, their thresholds applied."""
    values: dict[str, Any] = {name: value for name, value in msgspec.structs.asdict(thresholds).items()
                              if value is not None and not name.startswith("spo2_target")}
    default = VitalsProfile(client=str(client_id))
    if thresholds.spo2_target_low is not None or thresholds.spo2_target_high is not None:
        low, high = default.spo2_target
        values["spo2_target"] = (thresholds.spo2_target_low or low, thresholds.spo2_target_high or high)
    if profile in _CONDITION_FLAG:
        values[_CONDITION_FLAG[profile]] = True
    return msgspec.structs.replace(default, **values)


def _effective(thresholds: ProfileThresholds) -> ProfileThresholds:
    """Every threshold in force: those set, the library's usual values for the rest."""
    usual = VitalsProfile(client="")
    low, high = usual.spo2_target
    fields = {name: getattr(usual, name) for name in ("spo2_baseline", "hypercapnic", "weight_gain_kg",
                                                      "weight_gain_days", "weight_trend_kg_per_week",
                                                      "hypo_mmol", "hypo_level2_mmol", "hyper_mmol")}
    fields |= {"spo2_target_low": low, "spo2_target_high": high}
    fields |= {name: value for name, value in msgspec.structs.asdict(thresholds).items() if value is not None}
    return ProfileThresholds(**fields)


def _out(client_id: int, row: ProfileRow | None) -> ProfileOut:
    if row is None:
        return ProfileOut(client_id, TelehealthProfile.DEFAULT, ProfileThresholds(), _effective(ProfileThresholds()),
                          None, None)
    thresholds = msgspec.convert(row.thresholds, ProfileThresholds)
    return ProfileOut(client_id, TelehealthProfile(row.profile), thresholds, _effective(thresholds), row.updated_at,
                      row.updated_by)


async def _row(session: AsyncSession, provider_id: int, client_id: int) -> ProfileRow | None:
    return await TelehealthProfileRepository(session, TenantScope.single(provider_id)).first(
        ProfileRow.client_id == client_id)


async def profile_settings(session: AsyncSession, provider_id: int, client_id: int) -> ProfileOut:
    """A client's profile as set (the default profile when nobody has set one)."""
    return _out(client_id, await _row(session, provider_id, client_id))


async def profile_for(session: AsyncSession, provider_id: int, client_id: int) -> VitalsProfile:
    """The profile a client's readings are triaged with."""
    settings = await profile_settings(session, provider_id, client_id)
    return vitals_profile(client_id, settings.profile, settings.thresholds)


async def update_profile(session: AsyncSession, actor: Principal | None, provider_id: int, client_id: int,
                         change: ProfileIn) -> ProfileOut:
    """Set a client's profile and thresholds, with an audit row of the values before and after.

    ``ProfileError`` when the thresholds contradict each other. The caller checks the actor
    may do this (a supervisor, or a clinician) and that the client is in their scope.
    """
    _check(change.thresholds)
    row = await _row(session, provider_id, client_id)
    before = _out(client_id, row)
    thresholds = msgspec.to_builtins(change.thresholds)
    if row is None:
        row = ProfileRow(provider_id=provider_id, client_id=client_id)
    row.profile, row.thresholds = change.profile, thresholds
    row.updated_at, row.updated_by = utc_now(), actor.user_id if actor else None
    if row.id is None:
        await TelehealthProfileRepository(session, TenantScope.single(provider_id)).add(row)
    else:
        session.add(row)
        await session.flush()
    record(session, actor, "update", "telehealth_profile", client_id, provider_id=provider_id,
           detail={"before": {"profile": before.profile.value, "thresholds": msgspec.to_builtins(before.thresholds)},
                   "after": {"profile": change.profile.value, "thresholds": thresholds}})
    return _out(client_id, row)
