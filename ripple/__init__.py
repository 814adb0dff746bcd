"""Ripple's shared kernel: event contracts, topic names, settings and the CLI.

Every stage (producers, streams, sinks, dashboards) imports from here and from nowhere else
upstream, so the contracts stay the single source of truth for what travels on each topic.
"""

__version__ = "0.1.0"
