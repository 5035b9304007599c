"""A large day by decomposition: patches cover the day, and the merged, repaired rota is valid."""

from __future__ import annotations

import pytest
import shapely

from fixtures.rostering_day import city_day
from rostering import decompose
from rostering.model import RosterOptions
from rostering.roster import solve_day
from rostering.validation.roster import validate

pytestmark = pytest.mark.usefixtures("compiled")


@pytest.fixture(scope="module")
def day():  # type: ignore[no-untyped-def]
    return city_day(visits=420, carers=60, seed=3)


def test_patches_partition_the_day_and_can_serve_their_visits(day) -> None:  # type: ignore[no-untyped-def]
    visits, carers = day
    patches = decompose.make_patches(visits, carers, 3, seed=1)
    assert sorted(i for p in patches for i in p.visits) == list(range(len(visits)))
    assert sorted(i for p in patches for i in p.carers) == list(range(len(carers)))
    for patch in patches:
        assert isinstance(patch.polygon, shapely.Polygon) and patch.polygon.area > 0
        for i in patch.visits:
            needed = visits[i]
            qualified = [c for c in patch.carers if needed.services[0].skills <= carers[c].skills]
            assert len(qualified) >= needed.carers_needed, f"patch lacks carers for {needed.id}"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_decomposed_day_is_valid_and_reports_progress(day, workers: int) -> None:  # type: ignore[no-untyped-def]
    visits, carers = day
    heard: list[str] = []
    solution = solve_day(visits, carers, RosterOptions(), 4.0, lambda elapsed, _: heard.append("better rota"),
                         decompose=True, workers=workers, stage_callback=heard.append)
    report = validate(visits, carers, solution)
    assert report.valid, report.violations[:3]
    patches = decompose.patch_count(len(visits))
    stages = [entry for entry in heard if entry != "better rota"]
    assert stages == [f"splitting the day into {patches} patches", f"first rota: building {patches} patches",
                      f"searching {patches} patches", "repairing across patch boundaries"]
    # The first valid rota is the merged construction round, reported before the patches' search starts.
    assert heard.index("better rota") == heard.index(f"first rota: building {patches} patches") + 1
    assert report.unassigned_visits == len(solution.unassigned) < len(visits) // 10
