"""Canned replies with placeholders such as {customer_name} (pure; no database).

Only the names in PLACEHOLDERS are allowed, with no conversion or format spec ("{order_number!r}",
"{order_number:>5}" are rejected). Literal braces are written doubled: "{{" and "}}".
A value that is missing, None or blank renders as a visible gap, e.g. 【订单号】, for the agent to fill in.
"""

from collections.abc import Mapping
from string import Formatter

PLACEHOLDERS = {
    "customer_name": "顾客姓名",
    "order_number": "订单号",
    "tracking_number": "运单号",
    "ticket_number": "工单号",
    "agent_name": "客服姓名",
}


class UnknownPlaceholder(ValueError):
    """A placeholder not in PLACEHOLDERS, one with a conversion or format spec, or a stray brace."""


def _fields(template: str) -> list[tuple[str, str | None]]:
    """(literal text, placeholder name or None) pieces; raises UnknownPlaceholder for anything else."""
    try:
        parsed = list(Formatter().parse(template))
    except ValueError as exc:  # a single "{" or "}"
        raise UnknownPlaceholder(f"malformed template ({exc}); write literal braces as {{{{ and }}}}") from exc
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is not None:
            written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            if name not in PLACEHOLDERS or conversion or spec:
                known = ", ".join("{" + n + "}" for n in PLACEHOLDERS)
                raise UnknownPlaceholder(f"unknown placeholder {written} (allowed: {known})")
        pieces.append((literal, name))
    return pieces


def placeholders_in(template: str) -> list[str]:
    """The placeholder names used, in order of first appearance, without repeats."""
    names = [name for _, name in _fields(template) if name is not None]
    return list(dict.fromkeys(names))


def validate(template: str) -> None:
    _fields(template)


def render(template: str, values: Mapping[str, str | None]) -> str:
    out: list[str] = []
    for literal, name in _fields(template):
        out.append(literal)
        if name is not None:
            value = values.get(name)
            out.append(value if value is not None and value.strip() else f"【{PLACEHOLDERS[name]}】")
    return "".join(out)
