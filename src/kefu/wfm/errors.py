"""Bad planning input is an error naming the field, never a plan built on nonsense."""

from __future__ import annotations


class WfmInputError(ValueError):
    """`field` names the input at fault (`aht_seconds`, `history[12].calls`, `targets.service_level`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
