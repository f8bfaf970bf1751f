"""t1dtrial.store."""
