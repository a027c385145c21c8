"""The rules the form's numbers obey (勾稽关系), and every place the published numbers break one.

A broken rule is reported with the numbers involved; nothing is corrected. A rule is checked
only where every number it involves was read.
"""

from __future__ import annotations

from .form import Form, definition


def check(lhs: list[str], rhs: list[str], values: dict, rule: int, where: str) -> dict | None:
    if not all(k in values for k in lhs + rhs):
        return None
    left, right = sum(values[k] for k in lhs), sum(values[k] for k in rhs)
    if abs(left - right) < 1e-9:
        return None
    return {"rule": rule, "text": definition()["rules"][str(rule)], "where": where,
            "left": {k: values[k] for k in lhs}, "right": {k: values[k] for k in rhs},
            "left_sum": left, "right_sum": right}


def violations(spec: Form, values: dict) -> list[dict]:
    columns = spec.s3_columns
    applicants = [c for c in columns if c != "total"]
    found = []
    for col in columns:
        found.append(check([f"s3.new.{col}", f"s3.carried_in.{col}"], [f"s3.r7_total.{col}", f"s3.carried_over.{col}"],
                           values, 1, f"s3 column {col}"))
    for row in spec.s3:
        found.append(check([f"s3.{row.key}.total"], [f"s3.{row.key}.{c}" for c in applicants], values, 2, f"s3 row {row.key}"))
    for col in columns:
        found.append(check([f"s3.r7_total.{col}"], [f"s3.{r}.{col}" for r in spec.s3_results], values, 3, f"s3 column {col}"))
    for group in spec.s4_groups:
        parts = [f"s4.{group}.{c}" for c in spec.s4_columns if c != "total"]
        found.append(check([f"s4.{group}.total"], parts, values, 4, f"s4 group {group}"))
    return [v for v in found if v]
