"""The read side: SQL aggregates returning pandas DataFrames, in three folders.

- metrics/ — the metrics of DOMAIN.md (occupancy, caseloads, flows, contributions, convention status,
  the overview's key figures); `from issue_core.queries import metrics` reaches them all.
- screens/ — read models of one screen or form (what a page lists, offers or shows), built on the
  metrics and the SQL helpers; no metric is defined here.
- sql/ — SQL helpers shared by both: date ranges and windows, dialect functions, filters, frames.
"""
