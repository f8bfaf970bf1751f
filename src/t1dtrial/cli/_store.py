"""``t1dtrial import`` and ``t1dtrial history`` (module t1dtrial.store)."""
