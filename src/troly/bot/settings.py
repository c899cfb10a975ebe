"""All configuration, read from ``TROLY_*`` environment variables (pydantic-settings).

Nothing is built at import time: the composition root constructs ``Settings()``; tests pass
values directly. A channel is on when its token is set.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from troly.bot.messages import NOTICE_KINDS
from troly.knowledge.admin_units import bundled_admin_units

_SECRETS = (
    "telegram_token",
    "telegram_webhook_secret",
    "zalo_bot_token",
    "zalo_bot_webhook_secret",
    "zalo_oa_app_secret",
    "zalo_oa_secret",
    "zalo_oa_refresh_token",
    "zalo_oa_access_token",
    "console_secret",
    "dossier_key",
)
_SPAN = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
DOSSIER_FIELDS = frozenset({"code", "status", "received", "due", "agency", "procedure", "overdue"})
DOSSIER_STATES = ("received", "in_progress", "needs_more", "result_ready", "returned")
_PLACEHOLDERS = {"changeme", "change-me", "secret", "token", "xxx", "your-token-here", "test"}


class Settings(BaseSettings):
    """The assistant's settings; every number a rule needs is here with its legal default."""

    model_config = SettingsConfigDict(env_prefix="TROLY_", env_file=None, extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///troly.db"
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str | None = None
    # One of the 34 provinces and cities after the 1 July 2025 merger (name or code, with or
    # without marks); it is read back as the official name ("thanh hoa" -> "Tỉnh Thanh Hóa").
    province: str = "Tỉnh Thanh Hóa"
    province_en: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: Literal["vi", "en"] = "vi"

    # Knowledge base and matching. The thresholds are guarded by the development question set
    # (bench/retrieval.py and tests/test_golden.py), never tuned by hand alone.
    knowledge_path: Path | None = None
    scope_threshold: float = Field(0.60, ge=0, le=1)
    answer_threshold: float = Field(0.55, ge=0, le=1)
    answer_margin: float = Field(0.02, ge=0, le=1)
    # The answer model's probability that the best match is right, needed to answer outright.
    answer_confidence: float = Field(0.75, ge=0, le=1)
    max_choices: int = Field(4, ge=2, le=4)
    max_question_chars: int = Field(1000, ge=50)
    # Personal data law (Luật 91/2025/QH15): the question log (phones, tax codes and e-mails
    # masked) keeps each question only this long; the daily retention run deletes older ones.
    question_log_retention_days: int = Field(365, ge=1)
    # What staff teach (and imports) reach every worker: each checks the knowledge generation
    # this often and rebuilds its index in the background when it moved.
    knowledge_check_seconds: float = Field(15.0, gt=0, le=30)
    # A teach is checked against the golden questions (in the package) and, when this file of
    # labelled questions exists, the development set too (one JSON object per line).
    dev_questions_path: Path | None = None

    # The province's own details, which the procedure records cannot know. Unset, a card says
    # the records name no address; an admin may override each in the console (Tỉnh, thông tin).
    center_name: str | None = None
    """Default: «Trung tâm Phục vụ hành chính công» and the province (tỉnh or thành phố)."""
    center_address: str | None = None
    center_hours: str | None = None
    center_hotline: str | None = None
    center_map_url: str | None = None
    portal_url: str | None = None
    commune_office_hours: str | None = None
    # How long a worker keeps the details (and local notes) before reading the database again:
    # an admin's change on another worker shows within this many seconds.
    province_details_seconds: float = Field(30, ge=0)

    # How to reach a person (shown until, and beside, the petition flow); the center's
    # hotline, when set, is the number given instead of this (the national portal's).
    support_phone: str = "1800 1096"
    support_hours: str = "giờ hành chính, thứ Hai – thứ Sáu"
    support_place: str = "Trung tâm Phục vụ hành chính công tỉnh"
    support_hours_en: str = "office hours, Monday to Friday"
    support_place_en: str = "the Provincial Public Administration Service Center"

    # Live handoff (Gặp cán bộ): a business that asks for a person is put through to the staff
    # group during these hours of working days ("" turns it off: a petition is offered); if
    # nobody takes the conversation within ``handoff_wait_minutes`` it is offered a petition.
    handoff_hours: str = "07:30-11:30,13:30-17:00"
    handoff_wait_minutes: int = Field(5, ge=1, le=120)
    # A live chat whose officer writes nothing for this long ends (the officer has gone): the
    # business is told and offered a petition instead of writing to nobody.
    handoff_idle_minutes: int = Field(30, ge=5, le=480)
    handoff_recent_questions: int = Field(3, ge=0, le=10)

    # Delivery: retries of failed sends, with backoff, honouring the platform's retry_after.
    outbox_max_attempts: int = Field(8, ge=1)
    outbox_tick_seconds: float = Field(2.0, gt=0)
    outbox_drain_seconds: float = Field(5.0, ge=0)
    """At shutdown, how long background deliveries may finish (the rest waits for the sweep)."""

    # Several workers: a job that must run once (a long-poller) is held by one worker under a
    # lease it renews; another worker takes it over when the lease runs out.
    lease_seconds: float = Field(30.0, gt=0)
    lease_renew_seconds: float = Field(10.0, gt=0)
    # How many workers share the bot (``troly serve --workers N`` sets it for them): what a
    # platform limits per bot (Telegram's 30 a second, 20 a minute per group) is shared, each
    # worker pacing its share.
    workers: int = Field(1, ge=1)

    # Per-person limits at every door (bot/limits.py): a token bucket of ``burst`` messages,
    # refilled at ``per_minute``; 0 turns a limit off. Staff in the staff group get their own.
    rate_per_minute: float = Field(20, ge=0)
    rate_burst: int = Field(10, ge=0)
    rate_staff_per_minute: float = Field(120, ge=0)
    rate_staff_burst: int = Field(40, ge=0)

    # Telegram.
    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_bot_username: str | None = None
    staff_chat_id: int | None = None
    # The sender's pacing (Bot FAQ: about 1 message a second in a chat with short bursts, 20 a
    # minute in a group, 30 a second in all); a 429 that still comes is waited out.
    telegram_chat_per_second: float = Field(1.0, gt=0)
    telegram_chat_burst: int = Field(3, ge=1)
    telegram_group_per_minute: int = Field(20, ge=1)
    telegram_overall_per_second: int = Field(30, ge=1)
    # A staff prompt («Trả lời», «Hẹn lại ngày», a closing reason) waits this long for the
    # officer's next message in its topic: a later message is not taken as the answer.
    staff_prompt_minutes: int = Field(30, ge=1)

    # Petitions (facts/rules.md "Petitions"): working days, Asia/Ho_Chi_Minh.
    petition_assign_days: float = Field(1, gt=0)
    petition_answer_days: float = Field(10, gt=0)
    petition_reminder_points: tuple[float, ...] = (0.5, 0.8)
    petition_apology_lead_days: float = Field(1, ge=1)
    petition_extension_days: float = Field(5, gt=0)
    petition_reopen_days: float = Field(5, gt=0)
    petition_rating_delay_minutes: int = Field(60, ge=0)
    petition_autoclose_days: float = Field(5, gt=0)
    petition_max_description_chars: int = Field(2000, ge=100)
    petition_max_attachments: int = Field(5, ge=0)
    petition_digest_time: str = Field("08:00", pattern=r"^\d{2}:\d{2}$")
    # Personal data law (Luật 91/2025/QH15): a closed petition keeps its business's details,
    # its messages and its files only this long; then only the anonymous record stays.
    petition_retention_days: int = Field(365, ge=1)
    # A staff file relayed to a business on another channel (Zalo, the web) is downloaded
    # first, and the cloud Bot API's getFile serves files of up to 20 MB.
    petition_relay_max_file_mb: int = Field(20, ge=1)
    # Which department handles each petition topic, until an admin changes it in the console
    # (a JSON object topic -> department in TROLY_PETITION_DEPARTMENTS).
    petition_departments: dict[str, str] = {
        "dkdn": "Sở Tài chính",
        "dautu": "Sở Tài chính",
        "datdai": "Sở Nông nghiệp và Môi trường",
        "xaydung": "Sở Xây dựng",
        "thue": "Thuế tỉnh",
        "haiquan": "Hải quan khu vực",
        "moitruong": "Sở Nông nghiệp và Môi trường",
        "pccc": "Công an tỉnh (Phòng Cảnh sát PCCC và CNCH)",
        "bhxh": "Bảo hiểm xã hội tỉnh",
        "khac": "Trung tâm Phục vụ hành chính công tỉnh",
    }

    # The chairman's monthly dialogue sessions (facts/rules.md: defaults are the third
    # Thursday at 14:00, 20 seats, registration closing 3 working days before).
    session_weekday: int = Field(3, ge=0, le=6)
    session_nth: int = Field(3, ge=1, le=5)
    session_time: str = Field("14:00", pattern=r"^\d{1,2}:\d{2}$")
    session_minutes: int = Field(180, ge=15)
    session_place: str = "Hội trường UBND tỉnh"
    session_place_en: str = "the Provincial People's Committee hall"
    session_seats: int = Field(20, ge=1)
    session_months_ahead: int = Field(2, ge=1, le=12)
    session_opens_days_before: int = Field(30, ge=1)
    session_closes_working_days_before: float = Field(3, ge=0)
    # Empty: the departments of any province (bot/province/details.py), with the province's
    # own economic-zone board (knowledge/data/economic_zones.tsv) where it has one.
    session_departments: list[str] = []
    booking_question_max_chars: int = Field(500, ge=50)
    booking_cancel_hours_before: int = Field(24, ge=0)
    booking_reminder_working_days: float = Field(3, ge=0)
    booking_reminder_hours: int = Field(24, ge=1)
    promise_reminder_working_days: float = Field(3, ge=0)
    # Personal data law (Luật 91/2025/QH15): the representative's name and phone, and the
    # remembered details, are kept only this long after the session / the last consent.
    booking_retention_days: int = Field(365, ge=1)

    # Zalo Bot (the Telegram-like bot platform): on when the token is set.
    zalo_bot_token: SecretStr | None = None
    zalo_bot_api_url: str = "https://bot-api.zaloplatforms.com"
    zalo_bot_webhook_secret: SecretStr | None = None
    zalo_bot_poll_timeout: int = Field(30, ge=0, le=60)

    # Zalo Official Account: on when the app id and both secrets are set. The first token pair
    # comes from `troly zalo authorize` (or a refresh token given here); the database owns the
    # tokens after that.
    zalo_oa_app_id: str | None = None
    zalo_oa_app_secret: SecretStr | None = None
    zalo_oa_secret: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_oa_access_token: SecretStr | None = None
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oa_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_oa_window_days: int = Field(7, ge=1, le=7)
    zalo_oa_refresh_ahead_seconds: int = Field(3600, ge=60)
    # A signed webhook event is taken only this close to now (its own timestamp): a recorded
    # event sent again later is refused like a bad signature. Zalo Bot messages too.
    zalo_replay_seconds: int = Field(300, ge=30)

    # Zalo Notification Service (ZNS): a time-critical message (the official answer, the
    # apology with its new date, the session reminder, a dossier status change) to an OA user
    # whose 7-day window has closed goes as the template registered for its kind, to the phone
    # the business gave for it with consent. A kind without a template id waits as before.
    # TROLY_ZALO_ZNS_TEMPLATES is a JSON object kind -> template id; the kinds and the
    # parameters each template must declare are in the README.
    zalo_zns_templates: dict[str, str] = {}
    zalo_zns_api_url: str = "https://business.openapi.zalo.me"

    # The province's one-stop system (dossier status by code). Off without the URL: /hoso then
    # says where to look a dossier up. ``{code}`` in the URL is replaced by the dossier code
    # (else it is sent as ?code=). The key goes in ``dossier_key_header`` ("Authorization"
    # sends "Bearer <key>"). The field mapping names, for each of our fields, the dotted path
    # of the endpoint's JSON that holds it (``data.0.dossierNo``).
    dossier_url: str | None = None
    dossier_key: SecretStr | None = None
    dossier_key_header: str = "X-API-Key"
    dossier_fields: dict[str, str] = {
        "code": "dossierNo",
        "status": "dossierStatusName",
        "received": "acceptedDate",
        "due": "appointmentDate",
        "agency": "agencyName",
        "procedure": "procedureName",
        "overdue": "overDueByUser",
    }
    # The system's status labels, folded (no diacritics, lower case), to our few states;
    # a label containing one of these words maps too. Unknown labels are shown as they are.
    dossier_statuses: dict[str, str] = {
        "cho tiep nhan": "received",
        "da tiep nhan": "received",
        "moi tiep nhan": "received",
        "tiep nhan": "received",
        "dang xu ly": "in_progress",
        "dang giai quyet": "in_progress",
        "dang tham dinh": "in_progress",
        "cho phe duyet": "in_progress",
        "da chuyen": "in_progress",
        "bo sung": "needs_more",
        "chua du": "needs_more",
        "co ket qua": "result_ready",
        "cho tra ket qua": "result_ready",
        "da tra ket qua": "result_ready",
        "hoan thanh": "result_ready",
        "tra lai": "returned",
        "tu choi": "returned",
        "da huy": "returned",
        "rut ho so": "returned",
        "khong giai quyet": "returned",
    }
    dossier_timeout_seconds: float = Field(5.0, gt=0, le=30)
    # After a failure (timeout, 5xx) the system is not asked again for this long: a down
    # system does not make every poll and every question wait out its timeout.
    dossier_cooldown_seconds: float = Field(60.0, ge=0)
    dossier_poll_minutes: int = Field(120, ge=5)
    dossier_follow_days: int = Field(180, ge=1)
    dossier_max_follows: int = Field(10, ge=1)
    # Personal data law: a follow that ended (a chat id and a dossier code) is deleted by the
    # daily retention run this long after it ended.
    dossier_retention_days: int = Field(30, ge=1)
    dossier_lookup_page: str = "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html"

    # Web chat and kiosk.
    kiosk_idle_seconds: int = Field(120, ge=10)

    # The staff console (/console). The secret signs its cookies: set the same one on every
    # worker (unset, each process makes its own, so sign-ins do not survive a restart).
    console_secret: SecretStr | None = None
    console_idle_minutes: int = Field(30, ge=1)
    console_absolute_hours: int = Field(12, ge=1)
    # Wrong passwords for one account or from one address within the window slow further
    # tries to one per ``console_throttle_seconds`` (never a lock-out of the real user).
    console_throttle_failures: int = Field(5, ge=1)
    console_throttle_window_minutes: int = Field(15, ge=1)
    console_throttle_seconds: int = Field(60, ge=1)

    # The public pages (/cong-khai): a figure, a list or a table cell is shown only when it
    # rests on at least this many records (fewer could point at one business). Pages may be
    # cached this many seconds by browsers and proxies.
    public_min_count: int = Field(5, ge=1)
    public_cache_seconds: int = Field(300, ge=0)

    @property
    def zalo_oa_configured(self) -> bool:
        """Whether the Zalo OA door is on (the validator makes its three settings go together)."""
        return self.zalo_oa_app_id is not None

    @field_validator("zalo_zns_templates")
    @classmethod
    def _check_zns_templates(cls, value: dict[str, str]) -> dict[str, str]:
        """Refuses a template for a kind of message that never goes by ZNS."""
        unknown = sorted(set(value) - set(NOTICE_KINDS))
        if unknown:
            raise ValueError(
                f"chỉ các loại / only the kinds {', '.join(NOTICE_KINDS)} "
                f"(không biết / unknown: {', '.join(unknown)})"
            )
        return value

    @field_validator("dossier_fields")
    @classmethod
    def _check_dossier_fields(cls, value: dict[str, str]) -> dict[str, str]:
        """Refuses a mapping without the code's path, or naming a field we do not have."""
        unknown = sorted(set(value) - DOSSIER_FIELDS)
        if unknown or not value.get("code"):
            raise ValueError(
                "cần đường dẫn của code, chỉ các trường / needs the code's path, and only the "
                f"fields {', '.join(sorted(DOSSIER_FIELDS))}"
                + (f" (không biết / unknown: {', '.join(unknown)})" if unknown else "")
            )
        return value

    @field_validator("dossier_statuses")
    @classmethod
    def _check_dossier_statuses(cls, value: dict[str, str]) -> dict[str, str]:
        """Refuses a label mapped to a state the assistant does not have."""
        wrong = sorted({state for state in value.values() if state not in DOSSIER_STATES})
        if wrong:
            raise ValueError(
                f"trạng thái phải là / states must be one of {', '.join(DOSSIER_STATES)} "
                f"(không biết / unknown: {', '.join(wrong)})"
            )
        return {" ".join(label.split()).lower(): state for label, state in value.items()}

    @field_validator("handoff_hours")
    @classmethod
    def _check_handoff_hours(cls, value: str) -> str:
        """Refuses hours that are not ``HH:MM-HH:MM`` spans, each ending after it starts."""
        handoff_spans(value)
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        """Refuses incomplete Zalo settings, unusable values, and placeholders in production.

        Every problem gets a line of its own, naming the variable and the fix.
        """
        problems: list[str] = []
        oa_fields = ("zalo_oa_app_id", "zalo_oa_app_secret", "zalo_oa_secret")
        if self.zalo_oa_refresh_token is not None or any(
            getattr(self, name) is not None for name in oa_fields
        ):
            missing = [f"TROLY_{name.upper()}" for name in oa_fields if getattr(self, name) is None]
            if missing:
                problems.append(
                    f"cổng Zalo OA còn cần / the Zalo OA door also needs {', '.join(missing)} "
                    "(app id, secret key của ứng dụng và của OA, trong Zalo for Developers / "
                    "from the Zalo developer console)"
                )
        if self.zalo_bot_webhook_secret is not None:
            length = len(self.zalo_bot_webhook_secret.get_secret_value())
            if not 8 <= length <= 256:
                problems.append(
                    "TROLY_ZALO_BOT_WEBHOOK_SECRET phải dài 8–256 ký tự / must be 8 to 256 "
                    "characters (ví dụ / e.g. 64 hex digits from "
                    "python3 -c 'import secrets; print(secrets.token_hex(32))')"
                )
        province_problem = _check_province(self)
        if province_problem:
            problems.append(province_problem)
        try:
            ZoneInfo(self.timezone)
        except (ValueError, ZoneInfoNotFoundError):
            problems.append(
                "TROLY_TIMEZONE không phải múi giờ / is not a time zone "
                "(ví dụ / e.g. TROLY_TIMEZONE=Asia/Ho_Chi_Minh)"
            )
        try:
            to_async_url(self.database_url)
        except ValueError:
            problems.append(
                "TROLY_DATABASE_URL phải là URL sqlite:// hoặc postgresql:// / must be an "
                "sqlite:// or postgresql:// URL (ví dụ / e.g. "
                "TROLY_DATABASE_URL=postgresql://troly@db:5432/troly)"
            )
        if self.environment == "production":
            for name in _SECRETS:
                value = getattr(self, name)
                if value is not None and value.get_secret_value().strip().lower() in _PLACEHOLDERS:
                    problems.append(
                        f"TROLY_{name.upper()} là giá trị mẫu, không phải bí mật thật / holds a "
                        "placeholder, not a secret (đặt giá trị thật, hoặc "
                        "TROLY_ENVIRONMENT=development để thử / set the real one, or "
                        "TROLY_ENVIRONMENT=development to try things out)"
                    )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def async_database_url(self) -> str:
        """The database URL with the async driver chosen for its dialect."""
        return to_async_url(self.database_url)


def _check_province(settings: Settings) -> str | None:
    """Reads the province as its official name, or says why it cannot be served."""
    units = bundled_admin_units()
    found = units.province(settings.province)
    if found is not None:
        settings.province = found.name
        return None
    merged = units.merged_into(settings.province)
    if merged is not None:
        return (
            f"TROLY_PROVINCE: tỉnh này đã nhập vào {merged.name} từ 01/07/2025 / this province "
            f"merged into {merged.name} on 1 July 2025 (Nghị quyết 202/2025/QH15) "
            f"(ví dụ / e.g. TROLY_PROVINCE={merged.name})"
        )
    return (
        "TROLY_PROVINCE không phải một trong 34 tỉnh, thành phố sau sắp xếp 2025 / is not one "
        "of the 34 provinces and cities after the 2025 merger "
        "(ví dụ / e.g. TROLY_PROVINCE=Tỉnh Thanh Hóa)"
    )


def handoff_spans(text: str) -> tuple[tuple[time, time], ...]:
    """The spans of ``"07:30-11:30,13:30-17:00"`` as (start, end) wall-clock times, in order."""
    spans: list[tuple[time, time]] = []
    for part in text.split(","):
        if not part.strip():
            continue
        found = _SPAN.match(part)
        if found is None:
            raise ValueError(f"not a span of hours: {part.strip()!r} (write 07:30-11:30)")
        start = time(int(found.group(1)), int(found.group(2)))
        end = time(int(found.group(3)), int(found.group(4)))
        if not start < end:
            raise ValueError(f"a span of hours must end after it starts: {part.strip()!r}")
        spans.append((start, end))
    return tuple(sorted(spans))


def to_async_url(url: str) -> str:
    """Turns an ordinary database URL into one naming an async driver.

    ``sqlite:///x.db`` becomes ``sqlite+aiosqlite:///x.db`` and ``postgresql://…`` becomes
    ``postgresql+asyncpg://…``; a URL that already names a driver is kept.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {url!r}")
    if "+" in scheme:
        return url
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+asyncpg://{rest}"
    raise ValueError(f"unsupported database: {scheme!r} (use sqlite:// or postgresql://)")
