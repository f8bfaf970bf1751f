"""t1dtrial.report."""
