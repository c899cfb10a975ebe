"""The province's own details: the service center, the portal, the communes' hours, local notes.

Must not import handlers or platform libraries.
"""
