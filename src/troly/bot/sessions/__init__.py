"""The chairman's monthly dialogue sessions: sessions, bookings, screening, promises.

Must not import handlers or platform libraries.
"""
