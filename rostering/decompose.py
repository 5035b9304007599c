"""A large day (a city provider's 1,500 visits) by decomposition: patches in parallel, then a global repair.

1. **Patches.** Visit locations are clustered (k-means) into areas of about ``PATCH_VISITS`` visits;
   each area is the Voronoi cell of its centre, a shapely polygon clipped to the day's extent.
   Visits belong to the polygon they lie in, carers to the one their run starts in; carers then
   move to the nearest patches short of working time, and to patches needing a skill or a second
   carer they lack.
2. **Parallel solves.** Each patch is an ordinary day (``solve_day``) solved in its own process:
   first a greedy construction only (merged, it is the first valid rota of the whole day), then
   with a real time budget.
3. **Boundary repair.** The patches' runs are merged into one schedule of the whole day; visits a
   patch left out are inserted wherever they fit best, and the compiled ruin-and-recreate search
   then runs on the whole day until the time limit, moving visits across patch boundaries.

The answer is always the best valid rota found when the time is up.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

from rostering.model import Carer, RosterOptions, RosterSolution, Visit
from shared.parent_death import exit_with_parent
from rostering.travel import TravelModel

PATCH_VISITS = 200  # visits per patch: big enough to balance carers, small enough for fast moves
MIN_PATCH_VISITS = 100  # smaller days are not split
PATCH_SHARE = 0.4  # share of the time limit spent on the patches before the global repair


@dataclass(frozen=True, slots=True)
class Patch:
    """One area of the day: its polygon, and the visits and carers (indices) it holds."""

    polygon: object  # shapely Polygon
    visits: tuple[int, ...]
    carers: tuple[int, ...]


def _projected(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """(lat, lon) degrees to local kilometres (equirectangular: fine across one city)."""
    array = np.asarray(points, dtype=float).reshape(-1, 2)
    mid = math.radians(float(array[:, 0].mean())) if len(array) else 0.0
    return np.column_stack((array[:, 1] * 111.32 * math.cos(mid), array[:, 0] * 110.57))


def _kmeans(points: np.ndarray, count: int, seed: int, rounds: int = 25) -> np.ndarray:
    """Cluster centres (Lloyd's algorithm from a seeded sample)."""
    rng = np.random.default_rng(seed)
    centres = points[rng.choice(len(points), size=count, replace=False)].copy()
    for _ in range(rounds):
        label = np.argmin(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        for c in range(count):
            members = points[label == c]
            if len(members):
                centres[c] = members.mean(axis=0)
    return centres


def make_patches(visits: Sequence[Visit], carers: Sequence[Carer], count: int, seed: int = 0) -> list[Patch]:
    """Split the day into ``count`` polygons and balance carers' working time against visits'."""
    import shapely
    from shapely.geometry import MultiPoint, Point

    # Visits and carers share one projection so polygons and points agree.
    everything = _projected(
        [(v.location.lat, v.location.lon) for v in visits] + [(c.start_location.lat, c.start_location.lon) for c in carers]
    )
    visit_xy, carer_xy = everything[: len(visits)], everything[len(visits) :]
    centres = _kmeans(visit_xy, count, seed)
    extent = MultiPoint([tuple(p) for p in everything]).convex_hull.buffer(1.0)
    cells = shapely.voronoi_polygons(MultiPoint([tuple(c) for c in centres]), extend_to=extent)
    polygons = []
    for centre in centres:
        cell = next(g for g in cells.geoms if g.contains(Point(centre)) or g.touches(Point(centre)))
        polygons.append(cell.intersection(extent))
    owner_of = _owners(polygons, visit_xy)
    carer_owner = _owners(polygons, carer_xy)
    members = [[i for i in range(len(visits)) if owner_of[i] == p] for p in range(count)]
    staff = [[i for i in range(len(carers)) if carer_owner[i] == p] for p in range(count)]
    _balance(visits, carers, members, staff, centres, carer_xy)
    return [Patch(polygons[p], tuple(members[p]), tuple(staff[p])) for p in range(count) if members[p] or staff[p]]


def _owners(polygons: list, points: np.ndarray) -> list[int]:  # type: ignore[type-arg]
    """The polygon each point lies in (the nearest one for a point on no polygon, by rounding)."""
    import shapely

    tree = shapely.STRtree(polygons)
    owners = []
    for x, y in points:
        point = shapely.Point(x, y)
        hits = [int(i) for i in tree.query(point, predicate="intersects")]
        owners.append(hits[0] if hits else int(tree.nearest(point)))
    return owners


def _demand(visits: Sequence[Visit], members: list[int]) -> float:
    # Care minutes plus an allowance for travel between visits (about a quarter hour each).
    return sum(service.duration + 15.0 for i in members for service in visits[i].services)


def _capacity(carers: Sequence[Carer], staff: list[int]) -> float:
    return sum(_shift_minutes(carers[i]) for i in staff)


def _shift_minutes(carer: Carer) -> float:
    return carer.working_end - carer.shift_start


def _balance(
    visits: Sequence[Visit], carers: Sequence[Carer], members: list[list[int]], staff: list[list[int]],
    centres: np.ndarray, carer_xy: np.ndarray,
) -> None:
    """Move carers to patches short of time, a skill, or a second carer (nearest carers first)."""
    count = len(members)
    total_demand = sum(_demand(visits, m) for m in members) or 1.0
    total_capacity = sum(_capacity(carers, s) for s in staff) or 1.0
    target = [total_capacity * _demand(visits, m) / total_demand for m in members]
    for _ in range(len(carers)):
        surplus = [_capacity(carers, staff[p]) - target[p] for p in range(count)]
        short = min(range(count), key=lambda p: surplus[p])
        if surplus[short] >= -0.5 * 480:  # within half a day's shift of its share
            break
        if not _move_nearest(carers, staff, centres, carer_xy, short, lambda c, p: surplus[p] > 0):
            break
    for p in range(count):
        for skills, needed in _requirements(visits, members[p]):
            have = sum(1 for c in staff[p] if skills <= carers[c].skills)
            while have < needed:
                if not _move_nearest(carers, staff, centres, carer_xy, p, lambda c, q: skills <= carers[c].skills and len(staff[q]) > 2):
                    break
                have += 1


def _requirements(visits: Sequence[Visit], members: list[int]) -> list[tuple[frozenset[str], int]]:
    """Each skill set the patch's visits need, with how many carers having it a visit needs at once."""
    needed: dict[frozenset[str], int] = {}
    for i in members:
        for skills, count in Counter(service.skills for service in visits[i].services).items():
            needed[skills] = max(needed.get(skills, 0), count)
    return sorted(needed.items(), key=lambda item: sorted(item[0]))


def _move_nearest(carers, staff, centres, carer_xy, into: int, allowed) -> bool:  # type: ignore[no-untyped-def]
    """Move the carer nearest to patch ``into``'s centre that ``allowed(carer, patch)`` from another patch."""
    best = None
    for p, group in enumerate(staff):
        if p == into:
            continue
        for c in group:
            if allowed(c, p):
                distance = float(((carer_xy[c] - centres[into]) ** 2).sum())
                if best is None or distance < best[0]:
                    best = (distance, c, p)
    if best is None:
        return False
    _, c, p = best
    staff[p].remove(c)
    staff[into].append(c)
    return True


def _solve_patch(visits: list[Visit], carers: list[Carer], options: RosterOptions, seconds: float, travel) -> RosterSolution:  # type: ignore[no-untyped-def]
    from rostering.roster import solve_day

    return solve_day(visits, carers, options, seconds, travel=travel, decompose=False)


def solve_patches(
    visits: Sequence[Visit], carers: Sequence[Carer], patches: list[Patch], options: RosterOptions,
    budgets: Sequence[float], travel: TravelModel | None, workers: int,
) -> Iterator[list[RosterSolution]]:
    """Every patch solved as its own day, once per budget (seconds for the whole round), in turn.

    Patches run ``workers`` at a time in spawned processes; in this process when ``workers`` is 1
    or when this process is a daemonic pool worker, which may not start processes.
    """
    jobs = [([visits[i] for i in p.visits], [carers[i] for i in p.carers]) for p in patches]
    if workers <= 1 or multiprocessing.current_process().daemon:
        for seconds in budgets:
            yield [_solve_patch(v, c, options, seconds / max(1, len(jobs)), travel) for v, c in jobs]
        return
    rounds = math.ceil(len(jobs) / workers)
    # Patch processes end with this one, however it ends (a killed job leaves none spinning).
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=exit_with_parent, initargs=(os.getpid(),))
    try:
        for number, seconds in enumerate(budgets):
            try:
                futures = [pool.submit(_solve_patch, v, c, options, seconds / rounds, travel) for v, c in jobs]
                solved = [f.result() for f in futures]
            except BrokenProcessPool:
                # Spawned workers re-import the caller's main module; one without a ``__main__``
                # guard kills them. The day is still solved, here, one patch after another.
                solved = [_solve_patch(v, c, options, seconds / len(jobs), travel) for v, c in jobs]
            if number == len(budgets) - 1:
                pool.shutdown()  # the workers' memory is freed before the caller's repair runs
            yield solved
    finally:
        pool.shutdown(cancel_futures=True)


def patch_count(visits: int) -> int:
    """How many patches a day of ``visits`` visits is split into."""
    return max(2, round(visits / PATCH_VISITS))


def initial_runs(solutions: Sequence[RosterSolution], visits: Sequence[Visit], carers: Sequence[Carer]) -> list[list[int]]:
    """The patches' runs as task indices of the whole day's problem (tasks numbered visit by visit).

    A double-handed visit's first task goes to the carer who starts it first, as a sequential
    visit's gap is measured from the first start.
    """
    first_task: dict[str, int] = {}
    count = 0
    for visit in visits:
        first_task[visit.id] = count
        count += visit.carers_needed
    starts: dict[str, list[tuple[float, str]]] = {}
    for solution in solutions:
        for run in solution.runs:
            for scheduled in run.visits:
                starts.setdefault(scheduled.visit_id, []).append((scheduled.start, run.carer_id))
    task_of = {
        (visit_id, carer_id): first_task[visit_id] + rank
        for visit_id, pairs in starts.items()
        for rank, (_, carer_id) in enumerate(sorted(pairs))
    }
    index_of_carer = {c.id: i for i, c in enumerate(carers)}
    routes: list[list[int]] = [[] for _ in carers]
    for solution in solutions:
        for run in solution.runs:
            routes[index_of_carer[run.carer_id]] = [task_of[(s.visit_id, run.carer_id)] for s in run.visits]
    return routes
