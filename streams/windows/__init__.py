"""Event-time windows (per minute, channel × aspect × language) and complaint-spike detection.

``windows`` and ``spikes`` are pure; ``agent`` is the faust glue; ``records`` maps to contracts.
"""
