"""Paths of the rostering area."""

ROSTERS = "/api/v1/rosters"
ROSTER = "/api/v1/rosters/{roster_id:int}"
ROSTER_PUBLISH = "/api/v1/rosters/{roster_id:int}/publish"
