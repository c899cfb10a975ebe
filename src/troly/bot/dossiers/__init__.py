"""Dossier status by code: the one-stop system's connector interface, lookups and follows.

Must not import handlers or platform libraries (the HTTP adapter lives in ``handlers/``).
"""
