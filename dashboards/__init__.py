"""Dashboards: Grafana JSON + provisioning, the shared macro expander, and the live preview page."""
