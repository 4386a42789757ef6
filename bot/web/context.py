"""What the dashboard's pages share: the services they read, the signed-in person, CSRF and rendering.

Every page handler gets the :class:`DashboardContext` from ``request.app.state.dashboard`` and asks
:meth:`DashboardContext.viewer_of` (any role) or :meth:`DashboardContext.changer_of` (organizers, with
the form's CSRF token checked) who is asking; both raise :class:`Refused` with the response to send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.content.library import ContentLibrary
from bot.content.texts import Texts
from bot.core.clock import Clock
from bot.services.campaigns.service import CampaignService
from bot.storage.dashboard import AuditLog, SignInNonces
from bot.storage.dashboard_stats import DashboardStats
from bot.storage.db import Database
from bot.web.access import DashboardAccess
from bot.web.render import CSRF_FIELD, Renderer
from bot.web.tokens import Session, can_change, csrf_matches

COOKIE = "safetybot_dashboard"
BASE_PATH = "/dashboard"
NOTICES = ("signed_in", "scheduled", "paused", "resumed", "cancelled")
MAX_FORM_BYTES = 512 * 1024
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Refused(Exception):
    """A request the dashboard answers with ``response`` instead of the page (signed out, not allowed)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True, slots=True)
class Visitor:
    """The signed-in person: their label, current role and session."""

    label: str
    role: str
    session: Session

    @property
    def can_change(self) -> bool:
        return can_change(self.role)

    def page(self, active: str, **context: object) -> dict[str, object]:
        """The variables base.html needs, plus ``context``."""
        return {
            "role": self.role,
            "person_label": self.label,
            "csrf": self.session.csrf,
            "active": active,
            "can_change": self.can_change,
            **context,
        }


@dataclass
class DashboardContext:
    """The dashboard's dependencies, built by the composition root (``bot.app.dashboard_server``)."""

    db: Database
    access: DashboardAccess
    campaigns: CampaignService
    content: ContentLibrary
    texts: Texts
    clock: Clock
    stats: DashboardStats
    audit: AuditLog
    nonces: SignInNonces
    renderer: Renderer
    send_rates: Mapping[str, float | None] = field(default_factory=dict)
    """Platform -> messages a second its adapter sends (None: not paced), for the delivery plan."""
    platforms: tuple[str, ...] = ("telegram", "discord", "console")
    content_dir: Path | None = None
    """The content folder, for the content check's report."""
    content_report: dict[str, Any] | None = None
    """The content check's report (problems and completeness), computed once when first shown."""

    def html(self, name: str, status: int = 200, **context: object) -> HTMLResponse:
        return HTMLResponse(self.renderer.render(name, **context), status_code=status)

    def message(self, kind: str, status: int, visitor: Visitor | None = None) -> HTMLResponse:
        context = visitor.page("") if visitor is not None else {}
        return self.html("message.html", status, message=kind, **context)

    def visitor(self, request: Request) -> Visitor | None:
        """The signed-in person, when the cookie is genuine, fresh and the person still has a role."""
        session = self.access.sessions.load(request.cookies.get(COOKIE), self.clock.now())
        if session is None:
            return None
        role = self.access.role_of(session.person)
        return Visitor(session.person, role, session) if role is not None else None

    def viewer_of(self, request: Request) -> Visitor:
        """The signed-in person (any role); signed out: a redirect to the sign-in page."""
        visitor = self.visitor(request)
        if visitor is None:
            raise Refused(RedirectResponse(f"{BASE_PATH}/signin", status_code=303))
        return visitor

    async def changer_of(self, request: Request) -> tuple[Visitor, FormData]:
        """An organizer posting a form with the session's CSRF token, and the form."""
        visitor = self.viewer_of(request)
        form = await request.form(max_part_size=MAX_FORM_BYTES)
        submitted = form.get(CSRF_FIELD)
        if not csrf_matches(visitor.session, submitted if isinstance(submitted, str) else None):
            raise Refused(self.message("stale_form", 403, visitor))
        if not visitor.can_change:
            raise Refused(self.message("forbidden", 403, visitor))
        return visitor, form

    async def record(self, visitor: Visitor, action: str, subject: str | None = None) -> None:
        """Write one line of the audit log."""
        await self.audit.record(self.clock.now(), visitor.label, visitor.role, action, subject)


def notice_of(request: Request) -> str | None:
    """The ``?notice=`` of a redirect after an action, when it is one we know."""
    notice = request.query_params.get("notice")
    return notice if notice in NOTICES else None
