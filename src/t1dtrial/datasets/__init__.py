"""t1dtrial.datasets."""
