"""Flows, one per job: pure state machines over a ``Step`` and a JSON draft."""
