"""A small explicit state machine: allowed transitions as data, checked in one place."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from .errors import InvalidTransition


class StateMachine:
    def __init__(self, name: str, transitions: Mapping[str, Iterable[str]]):
        self.name = name
        self.transitions = {state: frozenset(targets) for state, targets in transitions.items()}
        targets = set().union(*self.transitions.values()) if self.transitions else set()
        self.states = frozenset(self.transitions) | targets

    def can(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, frozenset())

    def check(self, current: str, target: str) -> None:
        if target not in self.states:
            raise InvalidTransition(f"unknown {self.name} state: {target!r}", field="status")
        if not self.can(current, target):
            raise InvalidTransition(f"a {self.name} cannot go from {current} to {target}", field="status")

    def path(self, current: str, target: str) -> list[str]:
        """Shortest chain of states leading from current to target (excluding current).

        Used when an outside system reports a state several steps ahead: every step is still
        validated and audited. Raises InvalidTransition when target is unreachable.
        """
        if target not in self.states:
            raise InvalidTransition(f"unknown {self.name} state: {target!r}", field="status")
        if current == target:
            return []
        seen = {current: None}
        queue = deque([current])
        while queue:
            state = queue.popleft()
            for nxt in sorted(self.transitions.get(state, ())):
                if nxt in seen:
                    continue
                seen[nxt] = state
                if nxt == target:
                    chain = [nxt]
                    while seen[chain[-1]] != current:
                        chain.append(seen[chain[-1]])
                    return list(reversed(chain))
                queue.append(nxt)
        raise InvalidTransition(f"a {self.name} cannot go from {current} to {target}", field="status")
