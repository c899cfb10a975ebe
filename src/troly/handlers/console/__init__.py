"""The staff console door (``/console``): sign-in, the petitions inbox and case pages.

``console_routes`` builds the routes; every page is wrapped by ``Gate.page`` with its name,
so ``access.ACCESS`` decides who may open it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from troly.bot.files import FileSources
from troly.bot.knowledge.guard import TeachGuard
from troly.bot.outbox import Queued
from troly.bot.settings import Settings
from troly.handlers.console.guard import ASSETS, Endpoint, Gate
from troly.handlers.console.imports import ImportPages
from troly.handlers.console.knowledge import KnowledgePages
from troly.handlers.console.live import LivePages
from troly.handlers.console.pages import Pages
from troly.handlers.console.petitions import PetitionPages
from troly.handlers.console.province import ProvincePages
from troly.handlers.console.publishing import PublishingPages
from troly.handlers.console.reports import ReportPages
from troly.handlers.console.routing import RoutingPages
from troly.handlers.console.session_plans import SessionPlans
from troly.handlers.console.sessions import SessionPages


def console_routes(
    *,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Callable[[], datetime],
    write_lock: asyncio.Lock | None = None,
    deliver: Callable[[Sequence[Queued]], None] | None = None,
    files: FileSources | None = None,
    guard: TeachGuard,
    procedure_name: Callable[[str], str | None] | None = None,
    province_changed: Callable[[], None] | None = None,
) -> Mount:
    """The console, mounted at ``/console``; ``deliver`` sends an action's messages.

    ``procedure_name`` names a procedure of the records in use (None: no such code);
    ``province_changed`` is told when an admin changes the province's details.
    """
    gate = Gate(
        sessions=sessions,
        settings=settings,
        clock=clock,
        write_lock=write_lock,
        deliver=deliver,
        files=files,
    )
    pages, petitions = Pages(gate), PetitionPages(gate)
    routing = RoutingPages(gate, petitions)
    publishing = PublishingPages(gate, petitions)
    sessions_pages = SessionPages(gate)
    live = LivePages(gate)
    plans = SessionPlans(gate, sessions_pages)
    province = ProvincePages(
        gate,
        procedure_name=procedure_name or (lambda _code: None),
        changed=province_changed or (lambda: None),
    )
    reports = ReportPages(gate)
    knowledge = KnowledgePages(gate, guard)
    records = ImportPages(gate, guard)

    def gated(path: str, name: str, endpoint: Endpoint, method: str) -> Route:
        # One name for the route and for its check: the access table cannot be bypassed.
        return Route(path, gate.page(f"console:{name}", endpoint), methods=[method], name=name)

    routes: list[BaseRoute] = [
        Route("/login", pages.sign_in_page, methods=["GET"], name="sign_in"),
        Route("/login", pages.sign_in_post, methods=["POST"], name="sign_in_post"),
        gated("/logout", "sign_out", pages.sign_out, "POST"),
        gated("/", "home", pages.home, "GET"),
        gated("/locale", "locale", pages.set_locale, "POST"),
        gated("/audit", "audit", pages.audit_log, "GET"),
        gated("/accounts", "accounts", pages.accounts, "GET"),
        gated("/petitions", "inbox", petitions.inbox, "GET"),
        gated("/petitions/rows", "inbox_rows", petitions.inbox_rows, "GET"),
        gated("/petitions/alert", "inbox_alert", petitions.alert, "GET"),
        gated("/petitions/{code}", "case", petitions.case, "GET"),
        gated("/petitions/{code}/details", "case_details", petitions.details, "GET"),
        gated("/petitions/{code}/timeline", "case_timeline", petitions.timeline, "GET"),
        gated("/petitions/{code}/act", "case_act", petitions.act, "POST"),
        gated("/petitions/{code}/files/{number}", "case_file", petitions.file, "GET"),
        gated("/petitions/{code}/reroute", "case_reroute", routing.reroute, "POST"),
        gated("/petitions/{code}/publish", "case_publish", publishing.publish, "POST"),
        gated("/petitions/{code}/unpublish", "case_unpublish", publishing.unpublish, "POST"),
        gated("/live", "live", live.queue, "GET"),
        gated("/live/rows", "live_rows", live.queue_rows, "GET"),
        gated("/live/{code}", "live_chat", live.chat, "GET"),
        gated("/live/{code}/messages", "live_messages", live.chat_messages, "GET"),
        gated("/live/{code}/act", "live_act", live.act, "POST"),
        gated("/sessions", "sessions", sessions_pages.listing, "GET"),
        gated("/sessions", "sessions_add", plans.add, "POST"),
        gated("/sessions/plan", "sessions_plan", sessions_pages.plan, "POST"),
        gated("/sessions/{id}", "session", sessions_pages.page, "GET"),
        gated("/sessions/{id}/manage", "session_manage", plans.manage, "POST"),
        gated("/sessions/{id}/screen", "session_screen", sessions_pages.screen, "POST"),
        gated("/sessions/{id}/attendance", "session_attendance", sessions_pages.attendance, "POST"),
        gated("/sessions/{id}/conclude", "session_conclude", sessions_pages.conclude, "POST"),
        gated("/sessions/{id}/promise", "session_promise", sessions_pages.promise_done, "POST"),
        gated("/sessions/{id}/guests", "session_guests", sessions_pages.guest_list, "GET"),
        gated("/sessions/{id}/report.csv", "session_report", sessions_pages.report_csv, "GET"),
        gated("/routing", "routing", routing.table, "GET"),
        gated("/routing", "routing_save", routing.save, "POST"),
        gated("/routing/communes", "routing_commune", routing.save_commune, "POST"),
        gated("/province", "province", province.page, "GET"),
        gated("/province", "province_save", province.save, "POST"),
        gated("/province/notes", "province_note", province.note, "POST"),
        gated("/reports", "reports", reports.home, "GET"),
        gated("/reports/{page}", "reports_page", reports.page, "GET"),
        gated("/reports/{page}/{table}.csv", "reports_csv", reports.csv, "GET"),
        gated("/knowledge", "knowledge", knowledge.unanswered, "GET"),
        gated("/knowledge/teach", "knowledge_teach", knowledge.teach, "POST"),
        gated("/knowledge/records", "knowledge_records", knowledge.records, "GET"),
        gated("/knowledge/taught", "knowledge_taught", knowledge.taught, "GET"),
        gated("/knowledge/taught/rows", "knowledge_taught_rows", knowledge.taught_rows, "GET"),
        gated("/knowledge/taught/{id}/undo", "knowledge_undo", knowledge.undo, "POST"),
        gated("/knowledge/test", "knowledge_test", knowledge.test, "GET"),
        gated("/knowledge/imports", "knowledge_imports", records.page, "GET"),
        gated("/knowledge/imports", "knowledge_import_check", records.check, "POST"),
        gated("/knowledge/imports/rollback", "knowledge_rollback_ask", records.rollback_ask, "GET"),
        gated("/knowledge/imports/rollback", "knowledge_rollback", records.rollback, "POST"),
        gated(
            "/knowledge/imports/{id}/confirm", "knowledge_import_confirm", records.confirm, "POST"
        ),
        Mount("/static", app=StaticFiles(directory=ASSETS / "static"), name="static"),
    ]
    return Mount("/console", routes=routes, name="console")
