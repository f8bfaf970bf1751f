"""``t1dtrial derive`` (module t1dtrial.derive)."""
