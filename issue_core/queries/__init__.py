"""The read side: SQL aggregates returning pandas DataFrames. Metric definitions live here."""
