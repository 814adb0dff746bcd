"""Prometheus metrics of the producer side (gateway, import, simulator): one module per deployable.

Labels are bounded: channel (4 values), source (gateway/import/simulate), endpoint (route template),
status (HTTP code), reason (a fixed vocabulary of rejection causes). Never customer or event ids.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

PRODUCED = Counter(
    "ripple_producer_produced_total", "Events acknowledged by the broker (acks=all).", ["channel", "source"]
)
FAILED = Counter(
    "ripple_producer_failed_total", "Events the broker did not acknowledge in time.", ["channel", "source"]
)
ACK_LATENCY = Histogram(
    "ripple_producer_ack_latency_seconds",
    "From send to broker acknowledgement, per batch of events.",
    ["channel", "source"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DUPLICATES = Counter(
    "ripple_producer_duplicates_total",
    "Events not produced again because their event_id was recently acked.",
    ["channel", "source"],
)
REJECTED = Counter(
    "ripple_producer_rejected_total",
    "Source records rejected before producing (bad input).",
    ["channel", "source"],
)
GATEWAY_REQUESTS = Counter(
    "ripple_gateway_requests_total", "HTTP requests answered by the gateway.", ["endpoint", "status"]
)
GATEWAY_LATENCY = Histogram(
    "ripple_gateway_request_seconds",
    "Gateway request handling time.",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
