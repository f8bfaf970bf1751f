"""``t1dtrial analyze`` and ``t1dtrial demo`` (module t1dtrial.analysis)."""
