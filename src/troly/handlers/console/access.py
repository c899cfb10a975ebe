"""Who may open which console route: the authorisation matrix, as data.

Every named console route must appear here or in ``PUBLIC``; the guard reads nothing else,
and the tests walk this table against the router, so no route can escape the check.
"""

from __future__ import annotations

ROLES = ("admin", "supervisor", "officer", "viewer")
EVERYONE = frozenset(ROLES)
WORKERS = frozenset({"admin", "supervisor", "officer"})
"""Who acts on petitions, and sees a business's details."""
LEADERS = frozenset({"admin", "supervisor"})
"""Who re-routes a petition to another department, and reads the routing table."""
ADMINS = frozenset({"admin"})
REPORTERS = frozenset({"admin", "supervisor", "viewer"})
"""Who reads the reports: leaders and viewers. Officers work cases; their colleagues' figures
(per officer) are for the leaders, and the public index is open to everyone anyway."""

ACCESS: dict[str, frozenset[str]] = {
    "console:home": EVERYONE,
    "console:sign_out": EVERYONE,
    "console:locale": EVERYONE,
    "console:inbox": EVERYONE,
    "console:inbox_rows": EVERYONE,
    "console:inbox_alert": EVERYONE,
    "console:case": EVERYONE,
    "console:case_details": WORKERS,
    "console:case_timeline": EVERYONE,
    "console:case_act": WORKERS,
    "console:case_file": WORKERS,
    "console:case_reroute": LEADERS,
    "console:case_publish": LEADERS,
    "console:case_unpublish": WORKERS,
    "console:live": WORKERS,
    "console:live_rows": WORKERS,
    "console:live_chat": WORKERS,
    "console:live_messages": WORKERS,
    "console:live_act": WORKERS,
    "console:sessions": EVERYONE,
    "console:session": EVERYONE,
    "console:sessions_add": LEADERS,
    "console:sessions_plan": LEADERS,
    "console:session_manage": LEADERS,
    "console:session_screen": WORKERS,
    "console:session_attendance": LEADERS,
    "console:session_conclude": LEADERS,
    "console:session_promise": LEADERS,
    "console:session_guests": WORKERS,
    "console:session_report": WORKERS,
    "console:routing": LEADERS,
    "console:routing_save": ADMINS,
    "console:routing_commune": ADMINS,
    "console:province": EVERYONE,
    "console:province_save": ADMINS,
    "console:province_note": WORKERS,
    "console:reports": REPORTERS,
    "console:reports_page": REPORTERS,
    "console:reports_csv": REPORTERS,
    # Everyone signed in reads the unanswered questions and tests a question; teaching changes
    # what every business is told, so supervisors and admins teach and undo.
    "console:knowledge": EVERYONE,
    "console:knowledge_test": EVERYONE,
    "console:knowledge_taught": EVERYONE,
    "console:knowledge_taught_rows": EVERYONE,
    "console:knowledge_records": LEADERS,
    "console:knowledge_teach": LEADERS,
    "console:knowledge_undo": LEADERS,
    # Importing the procedure records, or rolling one back, changes every answer: admins only.
    "console:knowledge_imports": ADMINS,
    "console:knowledge_import_check": ADMINS,
    "console:knowledge_import_confirm": ADMINS,
    "console:knowledge_rollback_ask": ADMINS,
    "console:knowledge_rollback": ADMINS,
    "console:audit": ADMINS,
    "console:accounts": ADMINS,
}
"""Route name -> the console roles allowed."""

PUBLIC = frozenset({"console:sign_in", "console:sign_in_post", "console:static"})
"""Routes anyone may open (the sign-in page, the stylesheet and htmx)."""


def allowed(route: str, role: str | None) -> bool:
    """Whether ``role`` may open the route (an unknown route: nobody)."""
    return role is not None and role in ACCESS.get(route, frozenset())
