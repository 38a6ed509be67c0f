"""The period report: the figures a funder or a housing operator asks for, on screen and as files.

period.py builds them (PeriodReport, suppress_small_counts), files.py writes XLSX and CSV, cli.py is
the `python -m issue_core report` command."""
