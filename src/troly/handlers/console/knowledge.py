"""The knowledge pages: the unanswered questions with a teach form, what was taught (with
undo and the guard's finding), and "Test a question" (the decision and why).

Supervisors and admins teach and undo; everyone signed in reads and tests (``access.py``).
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.audit import audit
from troly.bot.knowledge.guard import UNDO, TeachGuard, warns
from troly.bot.knowledge.model import TaughtQuestion
from troly.bot.knowledge.taught import (
    MAX_QUESTION,
    REPLY_KINDS,
    TeachProblem,
    find_records,
    taught_questions,
    teach,
    untaught,
)
from troly.bot.knowledge.unanswered import UnansweredGroup, unanswered
from troly.bot.texts import t
from troly.handlers.console.guard import Ctx, Gate
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.records import Procedure

DAYS = (7, 30, 90, 365)


def _days(request: Request) -> int:
    raw = request.query_params.get("days", "30")
    return int(raw) if raw.isdigit() and int(raw) in DAYS else 30


def _who(ctx: Ctx) -> str:
    return (ctx.member.email or ctx.member.name)[:254]


def _checking(row: TaughtQuestion) -> bool:
    """Whether the guard's check of a teach, or of its undo, is still running."""
    check = row.check_result
    if row.undone_at is None:
        return check is None
    return check is not None and UNDO in check and check[UNDO] is None


class KnowledgePages:
    """The unanswered, taught and test pages over the gate and the worker's live index."""

    def __init__(self, gate: Gate, guard: TeachGuard) -> None:
        self.gate = gate
        self.guard = guard

    @property
    def _index(self) -> ProcedureIndex:
        return self.guard.live.current

    async def unanswered(
        self,
        request: Request,
        ctx: Ctx,
        *,
        error: str | None = None,
        typed: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        """The questions not answered outright, grouped, newest first, each with a teach form."""
        days = _days(request)
        async with self.gate.tx() as session:
            groups = await unanswered(session, since=self.gate.clock() - timedelta(days=days))
        kb = self._index.kb

        def suggested(group: UnansweredGroup) -> list[Procedure]:
            codes = [c for c, _ in group.picked.most_common()]
            codes += [c for c, _ in group.guesses.most_common(3)]
            return [p for p in map(kb.get, dict.fromkeys(codes)) if p is not None]

        context = {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "knowledge",
            "tab": "unanswered",
            "groups": groups,
            "days": days,
            "day_choices": DAYS,
            "kinds": REPLY_KINDS,
            "suggested": suggested,
            "can_teach": ctx.role in ("admin", "supervisor"),
            "error": error,
            "typed": typed or {},
            "max_question": MAX_QUESTION,
        }
        return self.gate.render(request, "knowledge_unanswered.html", context, status=status)

    async def records(self, request: Request, ctx: Ctx) -> Response:
        """The picker's choices for what was typed (a code or words of a name)."""
        found = find_records(self._index, request.query_params.get("find", ""))
        group = request.query_params.get("group", "")[:12]
        context = {"ctx": ctx, "locale": ctx.locale, "found": found, "group": group}
        return self.gate.render(request, "_record_picks.html", context)

    async def teach(self, request: Request, ctx: Ctx) -> Response:
        """Teaches a question: a record it means, or a standard reply."""
        form = await request.form()
        question = str(form.get("question") or "")[: MAX_QUESTION * 2]
        answer = str(form.get("answer") or "")
        group = str(form.get("group") or "")[:1000]
        kind, _, value = answer.partition(":")
        before = self._index
        now = self.gate.clock()
        try:
            async with self.gate.tx() as session:
                row = await teach(
                    session,
                    before,
                    question,
                    code=value if kind == "code" else None,
                    reply_kind=value if kind == "kind" else None,
                    by=_who(ctx),
                    now=now,
                )
                audit(
                    session,
                    ctx.member,
                    "knowledge.teach",
                    now=now,
                    address=ctx.address,
                    target=str(row.id),
                )
                taught_id = row.id
        except TeachProblem as problem:
            message = t(problem.key, ctx.locale, **problem.values)
            typed = {"question": question, "answer": answer, "group": group}
            return await self.unanswered(request, ctx, error=message, typed=typed, status=409)
        # This worker uses the teach at once; the others within a knowledge check.
        self.guard.after_teach(taught_id, before=before)
        return RedirectResponse(f"/console/knowledge/taught?done={taught_id}", status_code=303)

    async def taught(self, request: Request, ctx: Ctx) -> Response:
        """What was taught, newest first, with who, when, the guard's finding and undo."""
        return self.gate.render(request, "knowledge_taught.html", await self._taught(request, ctx))

    async def taught_rows(self, request: Request, ctx: Ctx) -> Response:
        """The taught list's rows (refreshed while a check is still running)."""
        return self.gate.render(request, "_taught_rows.html", await self._taught(request, ctx))

    async def _taught(self, request: Request, ctx: Ctx) -> dict[str, object]:
        with_undone = request.query_params.get("all") == "1"
        async with self.gate.tx() as session:
            rows = await taught_questions(session, with_undone=with_undone)
        done = request.query_params.get("done", "")
        return {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "knowledge",
            "tab": "taught",
            "rows": rows,
            "all": with_undone,
            "record": self._index.kb.get,
            "warns": warns,
            "checking": any(_checking(r) for r in rows),
            "done": int(done) if done.isdigit() else None,
            "undone": request.query_params.get("undone", ""),
            "missing": request.query_params.get("missing", "")[:12],
            "can_teach": ctx.role in ("admin", "supervisor"),
        }

    async def undo(self, request: Request, ctx: Ctx) -> Response:
        """Undoes one teach."""
        raw = str(request.path_params["id"])
        taught_id = int(raw) if raw.isdigit() else 0
        before = self._index
        now = self.gate.clock()
        async with self.gate.tx() as session:
            done = await untaught(session, taught_id, by=_who(ctx), now=now)
            if done:
                audit(
                    session,
                    ctx.member,
                    "knowledge.undo",
                    now=now,
                    address=ctx.address,
                    target=str(taught_id),
                )
        if not done:
            # Undone meanwhile by a colleague, or never taught: the list says so.
            where = f"/console/knowledge/taught?missing={taught_id}"
            return RedirectResponse(where, status_code=303)
        # Guarded like a teach: this worker swaps at once, then both sets are compared.
        self.guard.after_undo(taught_id, before=before)
        return RedirectResponse(f"/console/knowledge/taught?undone={taught_id}", status_code=303)

    async def test(self, request: Request, ctx: Ctx) -> Response:
        """Test a question: the decision, the best candidates with their scores, and why."""
        question = request.query_params.get("q", "").strip()[:MAX_QUESTION]
        explanation = self._index.explain(question) if question else None
        context = {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "knowledge",
            "tab": "test",
            "question": question,
            "e": explanation,
            "thresholds": self._index.thresholds,
            "max_question": MAX_QUESTION,
        }
        return self.gate.render(request, "knowledge_test.html", context)
