"""A fake provincial one-stop system (dossier status by code) for tests, on 127.0.0.1.

It answers ``GET /api/dossiers/{code}`` with records shaped like the public export in
facts/one-stop.md (``dossierNo``, ``procedureName``, ``dossierStatusName``, dates as
``dd/mm/yyyy HH:MM:SS``, ``overDueByUser``) wrapped as ``{"status": "ok", "data": [record]}``,
an empty ``data`` for an unknown code, 401 without the key, and on demand a slow answer,
a 500 or a body that is not JSON. It counts the requests it gets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from fakes.telegram_server import serve_asgi

KEY = "fake-one-stop-key-7f3a"
FIELDS = {
    "code": "data.0.dossierNo",
    "status": "data.0.dossierStatusName",
    "received": "data.0.acceptedDate",
    "due": "data.0.appointmentDate",
    "agency": "data.0.agencyName",
    "procedure": "data.0.procedureName",
    "overdue": "data.0.overDueByUser",
}
"""The field mapping for this fake's answers (``TROLY_DOSSIER_FIELDS``)."""


def record(
    code: str,
    status: str = "Đang xử lý",
    *,
    accepted: str = "05/11/2026 08:15:00",
    due: str = "04/12/2026 17:00:00",
    agency: str = "Sở Tài chính tỉnh Thanh Hóa",
    procedure: str = "Đăng ký thành lập doanh nghiệp",
    overdue: str = "",
) -> dict[str, Any]:
    """A dossier as such a system returns it."""
    return {
        "dossierId": "7e1c9a52-0b1d-4b2e-9f0a-2a6c1d1e5f10",
        "dossierNo": code,
        "procedureName": procedure,
        "sectorName": "Thành lập và phát triển doanh nghiệp",
        "dossierStatusName": status,
        "acceptedDate": accepted,
        "appointmentDate": due,
        "lastModifiedDate": accepted,
        "agencyName": agency,
        "overDueByUser": overdue,
    }


@dataclass
class OneStopFake:
    """The fake system's records and behaviour; ``async with`` serves it."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    key: str = KEY
    delay: float = 0.0
    fail_with: int | None = None
    malformed: bool = False
    requests: list[str] = field(default_factory=list)
    headers_seen: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""
    _server: contextlib.AbstractAsyncContextManager[str] | None = None

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[Route("/api/dossiers/{code}", self._dossier)])

    async def __aenter__(self) -> OneStopFake:
        self._server = serve_asgi(self.app)
        self.base_url = await self._server.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await server.__aexit__(None, None, None)

    @property
    def url(self) -> str:
        """For ``TROLY_DOSSIER_URL``."""
        return f"{self.base_url}/api/dossiers/{{code}}"

    def put(self, code: str, status: str = "Đang xử lý", **fields: Any) -> None:
        """Adds or changes a dossier."""
        self.records[code] = record(code, status, **fields)

    async def _dossier(self, request: Request) -> Response:
        code = request.path_params["code"]
        self.requests.append(code)
        self.headers_seen.append(dict(request.headers))
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.headers.get("x-api-key") != self.key:
            return JSONResponse({"status": "error", "message": "unauthorised"}, status_code=401)
        if self.fail_with is not None:
            return PlainTextResponse("Internal Server Error", status_code=self.fail_with)
        if self.malformed:
            return PlainTextResponse("<html><body>Bảo trì hệ thống</body></html>")
        found = self.records.get(code)
        return JSONResponse({"status": "ok", "data": [found] if found else []})


@contextlib.asynccontextmanager
async def one_stop_fake(**kwargs: Any) -> AsyncIterator[OneStopFake]:
    """``async with one_stop_fake() as fake:``."""
    async with OneStopFake(**kwargs) as fake:
        yield fake
