"""What the bot does: vocabulary, dialogue engine, flows, storage, settings, texts.

Never imports python-telegram-bot, Starlette, httpx or ``troly.handlers``.
"""
