"""After-sales services: every write to a case, its parcel, its inspection or the refund ledger.

cases.py — open, approve, decline, cancel, escalate, assign, return tracking, replacement, repair, close
warehouse.py — receive a return (tracking or case number), inspect, restock
refunds.py — the refund ledger: idempotent requests capped at what the order paid; the payment side's answers
evidence.py — photo uploads, checked by their bytes
policy_bridge.py — the policy engine's Request built from an order and the lines asked about
"""
