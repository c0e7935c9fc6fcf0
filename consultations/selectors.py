"""Reads of the module: <entity>_list(*, municipality, ...), always scoped."""
