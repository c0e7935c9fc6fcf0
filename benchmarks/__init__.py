"""Repeatable performance workloads. Run them all with ``python -m benchmarks``."""
