"""Ticket services: every write to a ticket, its messages and its SLA clocks.

intake.py — open a ticket from any channel (queue, priority, clocks, first message)
conversation.py — the customer writes, the agent replies (with the reply coach), internal notes
flow.py — the handling steps of seed 001, resolve, close, reopen
assignment.py — assign by hand, and the round-robin assignment duty
escalation.py — to the supervisor and on to the customer-care team
merging.py — merge two tickets, split messages off into a new one
sla.py — start, pause, resume and stop the SLA clocks on business hours
"""
