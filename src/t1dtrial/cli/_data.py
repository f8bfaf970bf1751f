"""Data commands (validate, import, history) — filled in by the data and store modules."""
