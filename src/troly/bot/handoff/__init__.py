"""Live handoff: a business talks with a support officer in real time (Gặp cán bộ).

``model`` holds the table, ``service`` the channel-blind use cases every door calls (the
Telegram staff group now, the web console later), ``appliers`` and ``jobs`` plug them into
the dialogue and the follow-ups. Must not import handlers or platform libraries.
"""
