"""Tracker: an issue register and lessons-learned log for public-sector programmes,
used from the terminal, versioned in git, exporting markdown for transparency reports."""
