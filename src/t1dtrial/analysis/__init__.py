"""t1dtrial.analysis."""
