"""Compatibility shim: hypothesis-jsonschema 0.23 calls ``many.more()``, which newer Hypothesis removed.

Newer Hypothesis replaced ``while elements.more():`` with ``with many(...) as e: for _ in e:``.
This restores ``more()`` on top of the new iteration protocol (without span
observation, so an early exit cannot unbalance the span tree). Remove it once
hypothesis-jsonschema follows Hypothesis, or pin ``hypothesis`` to a version with ``more()``.
"""

from __future__ import annotations

from typing import Any

from hypothesis.internal.conjecture import utils as cu


def install() -> None:
    if hasattr(cu.many, "more"):
        return
    import hypothesis_jsonschema._from_schema as from_schema

    class LegacyMany(cu.many):  # type: ignore[misc,valid-type]
        def __init__(self, data: Any, min_size: int, max_size: Any, average_size: Any, **kwargs: Any) -> None:
            super().__init__(data, min_size, max_size, average_size, observe=False, **kwargs)
            self.__enter__()
            self._legacy_iter = iter(self)

        def more(self) -> bool:
            try:
                next(self._legacy_iter)
            except StopIteration:
                return False
            return True

    class Namespace:
        def __getattr__(self, name: str) -> Any:
            return LegacyMany if name == "many" else getattr(cu, name)

    from_schema.cu = Namespace()  # type: ignore[attr-defined]
