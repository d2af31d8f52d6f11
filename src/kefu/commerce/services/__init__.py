"""Every write to commerce data goes through these services."""
