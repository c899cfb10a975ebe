"""Petitions (phản ánh, kiến nghị): the record, its lifecycle, staff topics and follow-ups.

Must not import handlers or platform libraries.
"""
