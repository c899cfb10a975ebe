"""Local fakes of external platforms (Telegram Bot API, ...) for end-to-end tests."""
