"""t1dtrial.stats."""
