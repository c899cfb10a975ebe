"""The web door: the chat page for phones and desktops, the service-center kiosk, procedure pages.

Starlette routes over a ``ChatPort``; the JSON shape of ``/api/chat`` is the web channel's render.
"""

from __future__ import annotations

import base64
import io
import logging
import re
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import segno
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from troly.bot import localised
from troly.bot.clean import clean_incoming, clean_text
from troly.bot.limits import RateLimits
from troly.bot.messages import Attachment, Button, Document, Door, Incoming, Reply
from troly.bot.settings import Settings
from troly.handlers.json_body import TooDeep, parse_json
from troly.handlers.web_upload import MB, UploadRefused, read_upload

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).with_name("web")
SESSION_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
PROCEDURE_CODE_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")
DEEP_LINK_PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
URL_RE = re.compile(r"https?://[^\s<>\"']+")
MAX_CHOICE_CHARS = 64
TRANSPORT_MAX_CHARS = 4096
"""The web door's own cap on a text, as Telegram's: each flow then says its own limit."""
MAX_BODY_BYTES = 64 * 1024
QR_SCALE = 10
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# Each API error says what went wrong and what to do, in Vietnamese then English.
ERRORS = {
    "bad_json": "Yêu cầu không hợp lệ: hãy gửi JSON dạng "
    '{"session": "...", "text": "..."}. / Invalid request: send JSON such as '
    '{"session": "...", "text": "..."}.',
    "too_deep": "Yêu cầu không hợp lệ: dữ liệu JSON lồng nhau quá sâu (tối đa 64 tầng). "
    'Hãy gửi JSON dạng {"session": "...", "text": "..."}. / Invalid request: the JSON nests '
    'too deep (at most 64 levels). Send JSON such as {"session": "...", "text": "..."}.',
    "too_large": "Yêu cầu quá lớn: hãy gửi một câu hỏi ngắn hơn. / "
    "Request too large: send a shorter question.",
    "session": "Thiếu mã phiên hoặc mã phiên không hợp lệ: dùng 1–64 ký tự chữ, số, _ hoặc -. "
    "Hãy tải lại trang. / Missing or invalid session: use 1 to 64 letters, digits, _ or -. "
    "Reload the page.",
    "empty": "Hãy nhập câu hỏi hoặc chọn một nút. / Type a question or press a button.",
    "choice": "Lựa chọn không hợp lệ: hãy bấm lại một nút trên màn hình. / "
    "Invalid choice: press one of the buttons on screen again.",
    "mid": "Mã tin nhắn không hợp lệ: dùng tối đa 64 ký tự chữ, số, _ hoặc -. / "
    "Invalid message id: use at most 64 letters, digits, _ or -.",
    "too_long": "Tin nhắn quá dài (tối đa {limit} ký tự): hãy rút gọn rồi gửi lại. / "
    "Message too long (at most {limit} characters): shorten it and send again.",
    "slow_down": "Bạn gửi nhanh quá nên trợ lý chưa nhận tin này: hãy chờ khoảng {seconds} giây "
    "rồi gửi lại. / You are sending too fast, so this message was not taken: wait about "
    "{seconds} seconds and send it again.",
    "busy": "Trợ lý đang gặp sự cố, hãy thử lại sau ít phút. / "
    "The assistant has a problem, please try again in a few minutes.",
}

PAGE_TEXT = {
    "vi": {
        "ask": "Hỏi trợ lý về thủ tục này",
        "scan": "Quét mã QR để hỏi trợ lý trên điện thoại",
        "code": "Mã thủ tục",
    },
    "en": {
        "ask": "Ask the assistant about this procedure",
        "scan": "Scan the QR code to ask the assistant on your phone",
        "code": "Procedure code",
    },
}


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    """The replies to one web message, and the conversation's language the page follows."""

    replies: list[Reply] = field(default_factory=list)
    locale: str | None = None
    file_room: int = 0
    """How many files the conversation's step takes now: the page offers 📎 only then."""


class ChatPort(Protocol):
    """What the web door needs from the bot."""

    async def answer(self, incoming: Incoming) -> ChatAnswer:
        """Handles one message and returns its replies (already committed).

        A message sent again with the same ``event_id`` gets the replies of the first.
        """
        ...

    async def pending(self, channel: str, user_id: str) -> list[Reply]:
        """Returns the replies queued for that user and marks them delivered."""
        ...

    async def file_room(self, user_id: str) -> int | None:
        """How many files that web user's conversation takes now (0: all; None: the step
        takes none)."""
        ...

    async def keep_upload(self, user_id: str, document: Document) -> str:
        """Keeps a file the web user uploaded and returns its reference (its shelf key)."""
        ...

    def procedure_card(self, code: str, locale: str) -> Reply | None:
        """Returns the answer card of one procedure, or None when the code is unknown."""
        ...

    async def healthy(self) -> bool:
        """Whether the service can work: its database answers."""
        ...


class ChatError(Exception):
    """A request the chat API refuses, with its status and its bilingual message."""

    def __init__(self, status: int, key: str, **values: object) -> None:
        super().__init__(key)
        self.status = status
        self.headers: dict[str, str] = {}
        # Only messages with placeholders are formatted: others quote JSON braces.
        self.message = ERRORS[key].format(**values) if values else ERRORS[key]


class ContinueLinks:
    """Builds the "continue on your phone" links: a Telegram deep link, else a web chat link."""

    def __init__(self, settings: Settings) -> None:
        self._username = (settings.telegram_bot_username or "").lstrip("@") or None
        base = settings.public_url or f"http://{settings.host}:{settings.port}"
        self._base = base.rstrip("/")

    @staticmethod
    def payload(code: str | None) -> str | None:
        """The Telegram start payload for a procedure (``1.001612`` → ``p_1_001612``), if any.

        Telegram allows only ``[A-Za-z0-9_-]`` and at most 64 characters; a code that cannot
        fit gives no payload, so the link still opens the bot on its welcome.
        """
        if not code:
            return None
        payload = "p_" + code.replace(".", "_")
        return payload if DEEP_LINK_PAYLOAD_RE.fullmatch(payload) else None

    def telegram(self, code: str | None = None) -> str | None:
        """The Telegram deep link, or None when no bot username is set."""
        if self._username is None:
            return None
        payload = self.payload(code)
        start = f"?start={payload}" if payload else ""
        return f"https://t.me/{self._username}{start}"

    def web(self, code: str | None = None) -> str:
        """The web chat link, opened on a procedure when a code is given."""
        query = f"?p={code}" if code and PROCEDURE_CODE_RE.fullmatch(code) else ""
        return f"{self._base}/{query}"

    def continue_url(self, code: str | None = None) -> str:
        """The best link to continue on a phone: Telegram when configured, else the web."""
        return self.telegram(code) or self.web(code)


def button_to_json(button: Button) -> dict[str, str]:
    """Renders one button: ``{"label", "choice"}`` or ``{"label", "url"}``."""
    if button.url is not None:
        return {"label": button.label, "url": button.url}
    return {"label": button.label, "choice": button.choice or ""}


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """Renders one reply for the web chat: text, flat buttons, rows, optional document."""
    rendered: dict[str, Any] = {
        "text": reply.text,
        "kind": reply.kind,
        "buttons": [button_to_json(button) for button in reply.all_buttons()],
        "rows": [[button_to_json(button) for button in row] for row in reply.buttons],
    }
    if reply.document is not None:
        rendered["document"] = {
            "filename": reply.document.filename,
            "mime_type": reply.document.mime_type,
            "data_base64": base64.b64encode(reply.document.content).decode("ascii"),
        }
    return rendered


def answer_to_json(answer: ChatAnswer, settings: Settings) -> dict[str, Any]:
    """The response to a message: its replies, the conversation's language, and ``files``
    (how many more, how big) when the step the conversation waits at takes files."""
    rendered: dict[str, Any] = {"replies": [reply_to_json(reply) for reply in answer.replies]}
    if answer.locale in ("vi", "en"):
        rendered["locale"] = answer.locale
    if answer.file_room > 0:
        rendered["files"] = {
            "room": answer.file_room,
            "max_mb": settings.petition_relay_max_file_mb,
        }
    return rendered


def text_limit(settings: Settings) -> int:
    """The longest text the web door carries: enough for every flow's own limit."""
    return max(
        TRANSPORT_MAX_CHARS, settings.max_question_chars, settings.petition_max_description_chars
    )


def session_of(body: object) -> str:
    """The session id of a decoded request body, or raises ``ChatError``.

    It travels in the body, never in the URL: it is the user's only credential, and URLs
    end up in access logs.
    """
    if not isinstance(body, dict):
        raise ChatError(400, "bad_json")
    session = body.get("session")
    if not isinstance(session, str) or not SESSION_RE.fullmatch(session):
        raise ChatError(400, "session")
    return session


def to_incoming(body: object, *, max_chars: int, attachment: bool = False) -> Incoming:
    """Turns a decoded ``/api/chat`` body into an ``Incoming``, or raises ``ChatError``.

    With an ``attachment`` (the file upload's fields) the text, its caption, may be empty.
    """
    if not isinstance(body, dict):
        raise ChatError(400, "bad_json")
    session = session_of(body)
    text, choice, mid = body.get("text"), body.get("choice"), body.get("mid")
    if text is not None and not isinstance(text, str):
        raise ChatError(400, "bad_json")
    if choice is not None and (
        not isinstance(choice, str)
        or len(choice) > MAX_CHOICE_CHARS
        or not choice.isascii()
        or not choice.isprintable()
    ):
        raise ChatError(400, "choice")
    if mid is not None and (not isinstance(mid, str) or not SESSION_RE.fullmatch(mid)):
        raise ChatError(400, "mid")
    text = clean_text(text).strip() if text else None
    if not text and not choice and not attachment:
        raise ChatError(400, "empty")
    if text and len(text) > max_chars:
        raise ChatError(413, "too_long", limit=max_chars)
    locale = body.get("locale")
    # The kiosk page says it is the kiosk: its texts point at its buttons, not at commands.
    door: Door | None = "kiosk" if body.get("door") == "kiosk" else None
    incoming = Incoming(
        channel="web",
        user_id=session,
        text=text or None,
        choice=choice or None,
        locale=locale if locale in ("vi", "en") else None,
        event_id=mid,
        door=door,
    )
    return clean_incoming(incoming)


def linkify(text: str) -> Markup:
    """Escapes plain text and makes its http(s) URLs clickable."""
    parts: list[str] = []
    position = 0
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]}")
        parts.append(escape(text[position : match.start()]))
        href = escape(url)
        parts.append(Markup('<a href="{0}" rel="noopener noreferrer">{0}</a>').format(href))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def qr_png(link: str) -> bytes:
    """A printable PNG QR code of a link."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=QR_SCALE, border=4)
    return buffer.getvalue()


def _error(error: ChatError) -> JSONResponse:
    return JSONResponse({"error": error.message}, status_code=error.status, headers=error.headers)


def _admit(limits: RateLimits | None, incoming: Incoming) -> None:
    """Raises a 429 ``ChatError`` when the session is over its budget (the message is not
    taken: the page keeps it for the person to send again)."""
    if limits is None:
        return
    verdict = limits.check(incoming)
    if not verdict.allowed:
        logger.info("web chat message over its session's limit turned away")
        error = ChatError(429, "slow_down", seconds=verdict.seconds)
        error.headers["Retry-After"] = str(verdict.seconds)
        raise error


def _failed(what: str, exc: Exception) -> Response:
    """A 503 for the page, and a log line that says where it failed but not what it quoted.

    An exception's text may quote SQL parameters: the session id, the user's message.
    """
    where = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("%s failed: %s\n%s", what, type(exc).__name__, where)
    return JSONResponse({"error": ERRORS["busy"]}, status_code=503)


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


def _locale(request: Request, settings: Settings) -> str:
    """The page's language: ``?lang=``, else the browser's ``Accept-Language``, else the default."""
    lang = request.query_params.get("lang")
    if lang in ("vi", "en"):
        return lang
    return preferred_locale(request.headers.get("accept-language", ""), settings.default_locale)


def preferred_locale(header: str, default: str) -> str:
    """The first of vi/en an ``Accept-Language`` header prefers ("en-GB,en;q=0.9" -> "en")."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        short = tag.strip().split("-")[0].lower()
        if short in ("vi", "en") and quality > 0:
            ranked.append((-quality, position, short))
    return min(ranked)[2] if ranked else default


async def _read_json(request: Request) -> object:
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise ChatError(413, "too_large")
    try:
        return parse_json(bytes(body))
    except TooDeep as exc:
        raise ChatError(400, "too_deep") from exc
    except ValueError as exc:
        raise ChatError(400, "bad_json") from exc


def web_routes(
    *,
    chat: ChatPort,
    settings: Settings,
    links: ContinueLinks,
    limits: RateLimits | None = None,
) -> list[BaseRoute]:
    """The web chat, kiosk, procedure pages, QR codes, health check and static files.

    With ``limits``, a session over its budget gets 429 and its message is not taken.
    """
    templates = Jinja2Templates(directory=ASSETS / "templates")

    async def chat_page(request: Request) -> Response:
        kiosk = request.query_params.get("kiosk") == "1"
        code = request.query_params.get("p", "")
        # A kiosk's browser language is the machine's, not the visitor's: the link decides.
        asked = request.query_params.get("lang")
        locale = _locale(request, settings) if not kiosk else settings.default_locale
        if asked in ("vi", "en"):
            locale = asked
        context = {
            "kiosk": kiosk,
            "idle_seconds": settings.kiosk_idle_seconds,
            "max_chars": text_limit(settings),
            "locale": locale,
            # Asked for by the link: the page follows it over what the browser remembered.
            "locale_asked": asked in ("vi", "en"),
            "procedure": code if PROCEDURE_CODE_RE.fullmatch(code) else "",
            "province": localised.province(settings, locale),
            "province_vi": settings.province,
            "province_en": localised.province(settings, "en"),
        }
        headers = {**PAGE_HEADERS, "Vary": "Accept-Language"}
        return templates.TemplateResponse(request, "chat.html", context, headers=headers)

    async def post_chat(request: Request) -> Response:
        try:
            incoming = to_incoming(await _read_json(request), max_chars=text_limit(settings))
            _admit(limits, incoming)
        except ChatError as error:
            return _error(error)
        try:
            answer = await chat.answer(incoming)
        except Exception as exc:
            return _failed("web chat message", exc)
        return JSONResponse(answer_to_json(answer, settings))

    async def post_file(request: Request) -> Response:
        max_bytes = settings.petition_relay_max_file_mb * MB
        try:
            upload = await read_upload(request, max_bytes=max_bytes)
            incoming = to_incoming(
                {**upload.fields, "text": upload.fields.get("text") or None, "choice": None},
                max_chars=text_limit(settings),
                attachment=True,
            )
            _admit(limits, incoming)
        except UploadRefused as refused:
            return JSONResponse({"error": refused.message}, status_code=refused.status)
        except ChatError as error:
            return _error(error)
        try:
            room = await chat.file_room(incoming.user_id)
        except Exception as exc:
            return _failed("web chat file", exc)
        if not room:
            # Not a step that takes files (or a session the bot does not know), or the
            # petition has all its files: nothing is kept, the draft stays as it was.
            key = "upload_not_now" if room is None else "upload_full"
            not_now = UploadRefused(409, key, limit=settings.petition_max_attachments)
            return JSONResponse({"error": not_now.message}, status_code=409)
        try:
            document = Document(upload.name, upload.content, upload.kind.mime_type)
            ref = await chat.keep_upload(incoming.user_id, document)
            attachment = Attachment(
                upload.attachment_kind,
                ref,
                name=upload.name,
                mime_type=upload.kind.mime_type,
                size=len(upload.content),
            )
            answer = await chat.answer(replace(incoming, attachments=(attachment,)))
        except Exception as exc:
            return _failed("web chat file", exc)
        logger.info("web chat file kept (%s, %s bytes)", upload.kind.mime_type, len(upload.content))
        return JSONResponse(answer_to_json(answer, settings))

    async def post_pending(request: Request) -> Response:
        try:
            session = session_of(await _read_json(request))
        except ChatError as error:
            return _error(error)
        try:
            replies = await chat.pending("web", session)
        except Exception as exc:
            return _failed("web pending replies", exc)
        return JSONResponse({"replies": [reply_to_json(reply) for reply in replies]})

    async def procedure_page(request: Request) -> Response:
        code = request.path_params["code"]
        locale = _locale(request, settings)
        card = chat.procedure_card(code, locale) if PROCEDURE_CODE_RE.fullmatch(code) else None
        if card is None:
            return templates.TemplateResponse(
                request, "not_found.html", {"code": code}, status_code=404, headers=PAGE_HEADERS
            )
        title, _, rest = card.text.partition("\n")
        context = {
            "code": code,
            "title": title,
            "body": linkify(rest.strip("\n")),
            "links": [b for b in card.all_buttons() if b.url is not None],
            "locale": locale,
            "t": PAGE_TEXT[locale],
            "province": settings.province,
        }
        return templates.TemplateResponse(request, "procedure.html", context, headers=PAGE_HEADERS)

    async def procedure_qr(request: Request) -> Response:
        code = request.path_params["code"]
        if not PROCEDURE_CODE_RE.fullmatch(code) or chat.procedure_card(code, "vi") is None:
            return JSONResponse({"error": "Không có thủ tục này. / No such procedure."}, 404)
        return _png(qr_png(links.continue_url(code)))

    async def continue_qr(request: Request) -> Response:
        code = request.query_params.get("p") or None
        if code is not None and not PROCEDURE_CODE_RE.fullmatch(code):
            code = None
        return _png(qr_png(links.continue_url(code)))

    async def healthz(request: Request) -> Response:
        # For the container's HEALTHCHECK and a load balancer: no answer without the database.
        if await chat.healthy():
            return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
        logger.warning("health check: the database does not answer")
        return JSONResponse(
            {"status": "database unavailable"},
            status_code=503,
            headers={"Cache-Control": "no-store"},
        )

    return [
        Route("/", chat_page, methods=["GET"]),
        Route("/api/chat", post_chat, methods=["POST"]),
        Route("/api/chat/pending", post_pending, methods=["POST"]),
        Route("/api/chat/file", post_file, methods=["POST"]),
        Route("/p/{code}", procedure_page, methods=["GET"]),
        Route("/p/{code}/qr.png", procedure_qr, methods=["GET"]),
        Route("/qr/continue.png", continue_qr, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=ASSETS / "static"), name="static"),
    ]
