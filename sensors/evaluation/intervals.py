"""95 % intervals for the figures staff will face, and whether a recording can resolve them at all.

Sensitivity gets the exact (Clopper-Pearson) binomial interval, rates a day the exact
(Garwood) Poisson interval over the days observed, and a mean time the bootstrap
percentile interval. Rare events on a short recording often cannot be told apart from
a target: each rate says whether its interval lies on one side of its target.
"""

from __future__ import annotations

import math
from statistics import mean
from typing import Any

import numpy as np
from scipy.stats import binomtest, bootstrap, chi2

LEVEL = 0.95
_ALPHA = 1 - LEVEL


def _round(value: float, digits: int = 3) -> float:
    return round(value, digits)


def proportion(successes: int, trials: int) -> dict[str, Any]:
    """A proportion with its exact 95 % interval (None when there were no trials)."""
    if trials == 0:
        return {"value": None, "ci95": None}
    interval = binomtest(successes, trials).proportion_ci(confidence_level=LEVEL, method="exact")
    return {"value": _round(successes / trials), "ci95": [_round(interval.low), _round(interval.high)]}


def rate_interval(count: int, days: float) -> tuple[float, float]:
    """Exact 95 % Poisson interval of a rate a day from ``count`` events in ``days`` days."""
    low = float(chi2.ppf(_ALPHA / 2, 2 * count)) / 2 if count else 0.0
    high = float(chi2.ppf(1 - _ALPHA / 2, 2 * count + 2)) / 2
    return low / days, high / days


def rate(count: int, days: float, target: float | None = None) -> dict[str, Any]:
    """A rate a day with its 95 % interval and, against a target, a verdict the data can support."""
    if days <= 0:
        return {"value": None, "count": count, "days": days, "ci95": None}
    low, high = rate_interval(count, days)
    figure: dict[str, Any] = {"value": _round(count / days, 4), "count": count, "days": _round(days, 2),
                              "ci95": [_round(low, 4), _round(high, 4)]}
    if target is not None:
        figure["target"] = target
        if high <= target:
            figure["verdict"] = "meets target"
        elif low > target:
            figure["verdict"] = "misses target"
        else:
            # With none seen, the upper bound falls to the target only after this many days.
            needed = math.ceil(chi2.ppf(1 - _ALPHA / 2, 2) / 2 / target)
            figure["verdict"] = (f"not resolvable on {days:.0f} days: the interval straddles {target}/day; "
                                 f"showing a rate below it takes at least {needed} days without one")
    return figure


def mean_interval(values: list[float], seed: int = 0) -> dict[str, Any]:
    """Mean, bootstrap 95 % interval and maximum of a sample of times (hours)."""
    if not values:
        return {"mean": None, "ci95": None, "max": None, "n": 0}
    figure: dict[str, Any] = {"mean": _round(mean(values)), "max": _round(max(values)), "n": len(values)}
    if len(values) < 2 or len(set(values)) == 1:
        figure["ci95"] = [figure["mean"], figure["mean"]]
        return figure
    result = bootstrap((np.asarray(values),), np.mean, confidence_level=LEVEL, method="percentile",
                       n_resamples=2000, random_state=np.random.default_rng(seed))
    figure["ci95"] = [_round(float(result.confidence_interval.low)), _round(float(result.confidence_interval.high))]
    return figure


def spread(values: list[float]) -> dict[str, Any]:
    """Median and central 95 % range of a figure across resamples or days."""
    if not values:
        return {"median": None, "range95": None, "n": 0}
    ordered = np.asarray(sorted(values), dtype=float)
    return {"median": _round(float(np.median(ordered)), 4),
            "range95": [_round(float(np.quantile(ordered, 0.025)), 4), _round(float(np.quantile(ordered, 0.975)), 4)],
            "n": len(values)}
