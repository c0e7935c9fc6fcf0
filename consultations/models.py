"""Data and invariants of the module (DB constraints first), statuses and TRANSITIONS."""
