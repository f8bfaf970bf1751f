"""The DuckDB study store: append-only import ledger and data cuts."""

from .duckdb_store import TABLE_NAMES, ImportRecord, history, import_folder, import_trial, read_trial

__all__ = ["TABLE_NAMES", "ImportRecord", "history", "import_folder", "import_trial", "read_trial"]
