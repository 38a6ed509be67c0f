"""Spreadsheet import: templates, reading and checking a filled-in file, the all-or-nothing run."""
