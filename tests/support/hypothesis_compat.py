"""Compatibility shim: hypothesis-jsonschema 0.23 calls ``many.more()``, which newer Hypothesis removed.

Newer Hypothesis replaced ``while elements.more():`` with ``with many(...) as e: for _ in e:``.
This gives hypothesis-jsonschema the old ``more()``/``reject()`` collection helper,
written against the current ConjectureData span API. Remove it once
hypothesis-jsonschema follows Hypothesis, or pin ``hypothesis`` to a version that has ``more()``.
"""

from __future__ import annotations

from typing import Any

from hypothesis.internal.conjecture import utils as cu


class LegacyMany:
    """``many`` as it was: ``while elements.more(): ...`` with optional ``elements.reject()``."""

    def __init__(self, data: Any, min_size: int, max_size: Any, average_size: Any) -> None:
        self.data, self.min_size, self.max_size = data, min_size, max_size
        self.p_continue = cu._calc_p_continue(average_size - min_size, max_size - min_size)
        self.count = self.rejections = 0
        self.drawn = self.force_stop = self.rejected = False

    def more(self) -> bool:
        if self.drawn:
            self.data.stop_span(discard=self.rejected)
        self.drawn, self.rejected = True, False
        self.data.start_span(cu.ONE_FROM_MANY_LABEL)
        if self.min_size == self.max_size:
            should_continue = self.count < self.min_size
        else:
            forced = None
            if self.force_stop:
                forced = False
            elif self.count < self.min_size:
                forced = True
            elif self.count >= self.max_size:
                forced = False
            should_continue = self.data.draw_boolean(self.p_continue, forced=forced)
        if should_continue:
            self.count += 1
            return True
        self.data.stop_span()
        return False

    def reject(self, why: str | None = None) -> None:
        self.count -= 1
        self.rejections += 1
        self.rejected = True
        if self.rejections > max(3, 2 * self.count):
            if self.count < self.min_size:
                self.data.mark_invalid(why)
            else:
                self.force_stop = True


def install() -> None:
    if hasattr(cu.many, "more"):
        return
    import hypothesis_jsonschema._from_schema as from_schema

    class Namespace:
        def __getattr__(self, name: str) -> Any:
            return LegacyMany if name == "many" else getattr(cu, name)

    from_schema.cu = Namespace()  # type: ignore[attr-defined]
