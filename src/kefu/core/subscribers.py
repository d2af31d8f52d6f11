"""Core subscribers. Domain apps register their own in their `subscribers.py`."""
