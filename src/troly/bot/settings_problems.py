"""Settings read from the environment, or one line per problem: the variable, what, an example.

A value is never quoted (it may be a secret, or a URL with a password).

Must not import handlers or platform libraries.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from troly.bot.settings import Settings

PREFIX = "Cấu hình chưa đúng / bad setting: "

EXAMPLES = {
    "public_url": "https://troly.example.gov.vn",
    "knowledge_path": "/srv/troly/thu_tuc.json",
    "telegram_token": "123456789:AAE…",
    "telegram_api_url": "http://127.0.0.1:8081",
    "telegram_webhook_secret": "a-long-random-string",
    "telegram_bot_username": "TroLyDoanhNghiepBot",
    "staff_chat_id": "-1001234567890",
    "zalo_bot_token": "1234567890:abc…",
    "zalo_bot_webhook_secret": "a-long-random-string",
    "zalo_oa_app_id": "4318712907561234567",
    "database_url": "postgresql://troly@db:5432/troly",
    "session_departments": '["Sở Tài chính", "Sở Xây dựng"]',
    "petition_reminder_points": "[0.5, 0.8]",
    "zalo_zns_templates": '{"petition_answer": "301002", "dossier_status": "301001"}',
    "dossier_url": "https://motcua.example.gov.vn/api/dossiers/{code}",
    "dossier_key": "a-long-random-string",
    "dossier_fields": '{"code": "data.0.dossierNo", "status": "data.0.dossierStatusName"}',
    "dossier_statuses": '{"cho bo sung": "needs_more", "da tra ket qua": "result_ready"}',
}
"""Examples for settings whose default is no example (none, or not what one writes)."""

# What is wrong, by pydantic's error type: Vietnamese / English, filled from the error's ctx.
_WHAT = {
    "int_parsing": "phải là số nguyên / must be a whole number",
    "int_from_float": "phải là số nguyên / must be a whole number",
    "float_parsing": "phải là số / must be a number",
    "bool_parsing": "phải là true hoặc false / must be true or false",
    "literal_error": "phải là một trong {expected} / must be one of {expected}",
    "greater_than_equal": "phải từ {ge} trở lên / must be at least {ge}",
    "greater_than": "phải lớn hơn {gt} / must be more than {gt}",
    "less_than_equal": "phải không quá {le} / must be at most {le}",
    "less_than": "phải nhỏ hơn {lt} / must be less than {lt}",
    "string_pattern_mismatch": "không đúng dạng / has the wrong form",
    "json_invalid": "phải là JSON / must be JSON",
    "list_type": "phải là một danh sách JSON / must be a JSON list",
    "tuple_type": "phải là một danh sách JSON / must be a JSON list",
}
_FIELD_IN_SETTINGS_ERROR = re.compile(r'field "([a-z0-9_]+)"')


class SettingsProblem(Exception):
    """Settings that cannot be used, one line each."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def load_settings(**values: Any) -> Settings:
    """The settings from ``TROLY_*`` variables, or raises ``SettingsProblem``."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        lines = [line for error in exc.errors() for line in _line(error).splitlines()]
    except SettingsError as exc:
        found = _FIELD_IN_SETTINGS_ERROR.search(str(exc))
        name = found.group(1) if found else ""
        lines = [_explain(name, "phải là JSON / must be JSON")]
    raise SettingsProblem(lines)


def example(name: str) -> str:
    """An example value of a setting: its default, or one written for it."""
    if name in EXAMPLES:
        return EXAMPLES[name]
    field = Settings.model_fields.get(name)
    default = field.default if field is not None else None
    if isinstance(default, bool):
        return str(default).lower()
    return "…" if default is None else str(default)


def _line(error: Any) -> str:
    location = error.get("loc") or ()
    if not location:
        # The model's own checks already name the variable and the fix, a line each.
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        return "\n".join(PREFIX + line for line in message.splitlines())
    name = str(location[0])
    template = _WHAT.get(error.get("type", ""))
    context = {key: _plain(value) for key, value in (error.get("ctx") or {}).items()}
    plain = str(error.get("msg", "")).removeprefix("Value error, ")
    what = template.format(**context) if template else plain
    return _explain(name, what)


def _explain(name: str, what: str) -> str:
    variable = f"TROLY_{name.upper()}"
    return f"{PREFIX}{variable} {what} (ví dụ / e.g. {variable}={example(name)})"


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
