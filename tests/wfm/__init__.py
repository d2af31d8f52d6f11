"""Tests of kefu.wfm: Erlang formulas, forecast, roster, simulation, the week plan and the `wfm` command."""
