"""t1dtrial.derive."""
