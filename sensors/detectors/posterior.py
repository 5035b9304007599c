"""A normal model with unknown mean and spread, its conjugate prior, and its predictive quantiles.

The detectors learn everything they know about a home (how long it stays still, when the
person gets up) as a few weighted numbers per context; with a normal-inverse-gamma prior a
home with little history leans on typical homes, and the posterior predictive (a Student t)
carries the uncertainty of a small sample into every limit.
"""

from __future__ import annotations

import math

import msgspec
from scipy.special import stdtrit


class NormalModel(msgspec.Struct, frozen=True):
    """Normal-inverse-gamma parameters: centre ``mu`` held by ``kappa`` pseudo-observations, spread by ``alpha``/``beta``."""

    mu: float
    kappa: float
    alpha: float
    beta: float

    @classmethod
    def prior(cls, centre: float, spread: float, weight: float) -> NormalModel:
        """A prior centred on ``centre`` with expected standard deviation ``spread``, worth ``weight`` observations."""
        return cls(mu=centre, kappa=weight, alpha=weight / 2 + 1, beta=spread ** 2 * weight / 2)

    def update(self, values: list[tuple[float, float]]) -> NormalModel:
        """The posterior after weighted observations ``(value, weight)``."""
        weight = sum(w for _, w in values)
        if weight <= 0:
            return self
        mean = sum(y * w for y, w in values) / weight
        spread = sum(w * (y - mean) ** 2 for y, w in values)
        kappa = self.kappa + weight
        return NormalModel(
            mu=(self.kappa * self.mu + weight * mean) / kappa, kappa=kappa, alpha=self.alpha + weight / 2,
            beta=self.beta + spread / 2 + self.kappa * weight * (mean - self.mu) ** 2 / (2 * kappa))

    def quantile(self, q: float) -> float:
        """Quantile ``q`` of the posterior predictive: where the next observation falls below with probability q."""
        scale = math.sqrt(self.beta * (self.kappa + 1) / (self.alpha * self.kappa))
        return self.mu + scale * float(stdtrit(2 * self.alpha, q))

    def weakened(self, weight: float) -> NormalModel:
        """The same centre and expected spread, held as a prior worth only ``weight`` observations."""
        variance = self.beta / (self.alpha - 1) if self.alpha > 1 else self.beta
        return NormalModel.prior(self.mu, math.sqrt(variance), weight)
