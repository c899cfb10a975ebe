"""The staff console's rules: web accounts, sign-in sessions, throttling and the audit log.

Must not import handlers or platform libraries (the web door in ``handlers/console`` calls in).
"""
