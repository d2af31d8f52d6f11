"""Bad input is an error naming the field, never a decision."""

from __future__ import annotations


class PolicyInputError(ValueError):
    """`field` is a path into the request JSON, e.g. `items[1].qty`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def under(self, prefix: str) -> PolicyInputError:
        """The same error inside a list of requests: `[3].items[1].qty`."""
        return PolicyInputError(f"{prefix}{'' if self.field.startswith('[') else '.'}{self.field}", self.message)
