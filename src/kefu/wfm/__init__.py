"""Workforce management: forecast, Erlang C/A staffing, roster optimisation, simulation (pure Python + CLI)."""
