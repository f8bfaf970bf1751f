"""t1dtrial.design."""
