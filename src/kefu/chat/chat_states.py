"""The conversation's states and the steps between them (one explicit machine, checked in one place)."""

from kefu.core.states import StateMachine

WAITING = "waiting"  # in the line, nobody serving yet (or put back: transfer to a queue, agent logged out)
ACTIVE = "active"  # an agent serves it
ENDED = "ended"  # over: answered and closed, or given up while waiting (answered_at empty)
LEFT_MESSAGE = "left_message"  # nobody could serve it: the customer's words became a ticket

OPEN = frozenset({WAITING, ACTIVE})
DONE = frozenset({ENDED, LEFT_MESSAGE})

CONVERSATION = StateMachine("conversation", {
    WAITING: {ACTIVE, ENDED, LEFT_MESSAGE},
    ACTIVE: {WAITING, ENDED},
    ENDED: set(),
    LEFT_MESSAGE: set(),
})
