"""The procedure records' imports in the console (admins): upload an export, see what it would
change — the same check and difference as ``troly kb import --dry-run`` — and confirm it; the
history with a rollback that asks first. Same functions as the command line (``bot/knowledge/
imports.py``), audited like every console action.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.audit import audit
from troly.bot.knowledge import imports
from troly.bot.knowledge.guard import TeachGuard
from troly.bot.texts import t
from troly.handlers.console.guard import Ctx, Gate
from troly.knowledge.records import ExportError

MAX_UPLOAD_MB = 64
SHOWN = 40
"""At most this many lines per list of the difference (the counts are always complete)."""
HOME = "/console/knowledge/imports"


def _who(ctx: Ctx) -> str:
    return (ctx.member.email or ctx.member.name)[:254]


def _id(request: Request) -> int:
    raw = str(request.path_params.get("id", ""))
    return int(raw) if raw.isdigit() else 0


class ImportPages:
    """The imports page, the checked export's difference and its confirmation, the rollback."""

    def __init__(self, gate: Gate, guard: TeachGuard) -> None:
        self.gate = gate
        self.guard = guard

    def _context(self, ctx: Ctx, **more: object) -> dict[str, object]:
        return {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "knowledge",
            "tab": "imports",
            "seconds": f"{self.gate.settings.knowledge_check_seconds:g}",
            "shown": SHOWN,
            "max_mb": MAX_UPLOAD_MB,
            **more,
        }

    async def page(
        self, request: Request, ctx: Ctx, *, error: str | None = None, status: int = 200
    ) -> Response:
        """The upload form, then every import newest first, the one in use with its rollback."""
        async with self.gate.tx() as session:
            rows = await imports.history(session)
        done = request.query_params.get("done", "")
        context = self._context(
            ctx,
            imports=rows,
            error=error,
            done=int(done) if done.isdigit() else None,
            back=request.query_params.get("back") == "1",
            stale=request.query_params.get("stale") == "1",
        )
        return self.gate.render(request, "knowledge_imports.html", context, status=status)

    async def check(self, request: Request, ctx: Ctx) -> Response:
        """Checks an uploaded export and shows what it would change; stores it unconfirmed."""
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await self.page(request, ctx, error=self._t(ctx, "console.import_no_file"))
        data = await upload.read(MAX_UPLOAD_MB * 1024 * 1024 + 1)
        filename = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        await upload.close()
        if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
            error = self._t(ctx, "console.import_too_big", mb=MAX_UPLOAD_MB)
            return await self.page(request, ctx, error=error, status=413)
        try:
            checked = await asyncio.to_thread(imports.check_export, data)
        except ExportError as exc:
            error = self._t(ctx, "console.import_not_export", reason=str(exc))
            return await self.page(request, ctx, error=error, status=409)
        now = self.gate.clock()
        row = None
        async with self.gate.tx() as session:
            plan = await imports.plan_import(
                session, checked, await self.guard.records.load(session)
            )
            if plan.same_as is None and len(checked.kb):
                row = await imports.keep_checked(
                    session, plan, filename=filename, by=_who(ctx), now=now
                )
                audit(
                    session,
                    ctx.member,
                    "knowledge.import_check",
                    now=now,
                    address=ctx.address,
                    target=str(row.id),
                )
            waiting = row.id if row is not None else None
        context = self._context(ctx, plan=plan, filename=filename, waiting=waiting)
        return self.gate.render(request, "knowledge_import_check.html", context)

    async def confirm(self, request: Request, ctx: Ctx) -> Response:
        """Stores the checked export and switches every worker to it."""
        form = await request.form()
        force = form.get("force") == "1"
        sha = form.get("sha")
        import_id, now = _id(request), self.gate.clock()
        try:
            async with self.gate.tx() as session:
                row = await imports.confirm_checked(
                    session,
                    import_id,
                    sha256=sha if isinstance(sha, str) else "",
                    by=_who(ctx),
                    now=now,
                    force=force,
                )
                audit(
                    session,
                    ctx.member,
                    "knowledge.import",
                    now=now,
                    address=ctx.address,
                    target=str(row.id),
                )
        except imports.ImportStale:
            return RedirectResponse(f"{HOME}?stale=1", status_code=303)
        except imports.ImportNeedsForce:
            error = self._t(ctx, "console.import_too_many")
            return await self.page(request, ctx, error=error, status=409)
        # This worker switches at once; the others within a knowledge check.
        self.guard.reload_soon()
        return RedirectResponse(f"{HOME}?done={import_id}", status_code=303)

    async def rollback_ask(self, request: Request, ctx: Ctx) -> Response:
        """Asks first: which import a rollback leaves, and which set it goes back to."""
        async with self.gate.tx() as session:
            try:
                leaving, back_to = await imports.rollback_target(session)
            except imports.NothingToRollBack:
                leaving, back_to = None, None
        context = self._context(ctx, leaving=leaving, back_to=back_to)
        return self.gate.render(request, "knowledge_rollback.html", context)

    async def rollback(self, request: Request, ctx: Ctx) -> Response:
        """Leaves the import in use for the set before it; every worker swaps back."""
        now = self.gate.clock()
        try:
            async with self.gate.tx() as session:
                left, _back_to = await imports.rollback(session, by=_who(ctx), now=now)
                audit(
                    session,
                    ctx.member,
                    "knowledge.rollback",
                    now=now,
                    address=ctx.address,
                    target=str(left.id),
                )
        except imports.NothingToRollBack:
            error = self._t(ctx, "console.rollback_nothing")
            return await self.page(request, ctx, error=error, status=409)
        self.guard.reload_soon()
        return RedirectResponse(f"{HOME}?back=1", status_code=303)

    @staticmethod
    def _t(ctx: Ctx, key: str, **values: object) -> str:
        return t(key, ctx.locale, **values)
