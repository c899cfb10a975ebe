"""What the bot knows: procedure records, Vietnamese text folding, the fuzzy index.

Imports nothing of ours (not ``troly.bot``, not ``troly.handlers``).
"""
