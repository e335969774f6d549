"""What whoever runs the portal watches: /metrics (Prometheus), /readyz, the worker heartbeat.

It reads every app (orders, scheduling, issuance, notifications) for the product's gauges, so it sits above them
all in the import layers; the per-process instruments it exposes live in `tecnosign.metrics`, below everything.
"""
