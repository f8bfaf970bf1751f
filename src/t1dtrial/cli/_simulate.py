"""``t1dtrial simulate`` and ``t1dtrial calibrate`` (module t1dtrial.simulate)."""
