"""Imported by the landing pool's fork server (its preload list): the server dies with the run that started it."""

from ingest.orphans import die_with_parent

die_with_parent()
