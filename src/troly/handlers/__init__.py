"""How people reach the bot: Telegram, Zalo, web chat and kiosk, staff console, CLI."""
