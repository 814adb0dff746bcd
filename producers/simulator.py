"""Compatibility shim: the simulator lives in :mod:`producers.sim.engine` (multilingual, journeys, truth)."""

from producers.sim.engine import (
    CustomerTruth,
    EventTruth,
    Incident,
    Simulator,
    Truth,
    default_incidents,
    paced,
    paced_by_event_time,
    parse_mix,
)

__all__ = [
    "CustomerTruth",
    "EventTruth",
    "Incident",
    "Simulator",
    "Truth",
    "default_incidents",
    "paced",
    "paced_by_event_time",
    "parse_mix",
]
