"""The payment rules are declared once (``billing.RuleFields``): the stored table must match them exactly."""

from __future__ import annotations

from typing import Literal, get_args, get_origin

import msgspec

from backend.domain.finance.billing import RULE_FIELDS, RuleFields, Rules
from backend.domain.finance.models import PaymentRule
from backend.domain.finance.schemas import PaymentRuleIn

TABLE_OWN_COLUMNS = {"id", "authority_id", "version", "effective_from", "created_by", "created_at"}


def _plain(kind: object) -> type:
    """``Literal[1, 5, 15]`` -> int: what a column stores."""
    if get_origin(kind) is Literal:
        return type(get_args(kind)[0])
    assert isinstance(kind, type)
    return kind


def test_the_table_has_exactly_the_rule_fields_with_their_types_and_defaults() -> None:
    columns = {name: field for name, field in PaymentRule.model_fields.items() if name not in TABLE_OWN_COLUMNS}
    assert sorted(columns) == sorted(RULE_FIELDS)
    for field in msgspec.structs.fields(RuleFields):
        column = columns[field.name]
        assert column.annotation is _plain(field.type), field.name
        assert column.default == field.default, field.name


def test_the_api_and_billing_take_the_same_fields() -> None:
    assert set(RULE_FIELDS) <= {f.name for f in msgspec.structs.fields(PaymentRuleIn)}
    assert set(RULE_FIELDS) <= {f.name for f in msgspec.structs.fields(Rules)}
    assert msgspec.structs.asdict(Rules()) == {**msgspec.structs.asdict(RuleFields()), "version": 0, "late_tolerance_minutes": 30}
