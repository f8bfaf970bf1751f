"""t1dtrial.simulate."""
