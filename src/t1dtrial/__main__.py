"""``python -m t1dtrial`` runs the command line."""

from .cli import _entry

_entry()
