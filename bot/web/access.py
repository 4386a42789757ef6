"""Who may use the dashboard, and the one-time sign-in links the /dashboard command hands out.

A person is known to the dashboard only by an anonymous label (:func:`bot.web.tokens.person_label` of
``platform:id``): links, sessions and the audit log carry the label, never the platform id. The role is
read again from the settings on every request, so taking someone off SAFETYBOT_ADMINS takes effect at
once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import quote

from bot.web.tokens import ORGANIZER, VIEWER, SessionCodec, SignInTokens, person_label

LINK_TTL = timedelta(minutes=10)
DASHBOARD_SECRET_KEY = "dashboard_secret"
"""The app_state key of the dashboard's secret (links, sessions, drafts): not the buttons' secret."""
LABEL_LENGTH = 12


class DashboardAccess:
    """Roles by label, sign-in links and the session codec, from one server secret.

    Args:
        secret: The dashboard's secret (shared by every process through the database).
        organizers: ``platform:id`` of organizers (SAFETYBOT_ADMINS): they may change things.
        viewers: ``platform:id`` of viewers (SAFETYBOT_VIEWERS): they may only look.
        public_url: The dashboard's address as people reach it (SAFETYBOT_DASHBOARD_URL).
    """

    def __init__(
        self, secret: bytes, organizers: Iterable[str], viewers: Iterable[str], public_url: str
    ) -> None:
        self.secret = secret
        self.public_url = public_url.rstrip("/")
        self.tokens = SignInTokens(secret, LINK_TTL)
        self.sessions = SessionCodec(secret)
        roles = {self.label(person): VIEWER for person in viewers}
        roles |= {self.label(person): ORGANIZER for person in organizers}
        self._roles = roles

    @property
    def secure(self) -> bool:
        """Whether cookies must be Secure (the public address is https)."""
        return self.public_url.startswith("https://")

    def label(self, person: str) -> str:
        """The anonymous label of ``platform:id``."""
        return person_label(person, self.secret, length=LABEL_LENGTH)

    def role_of(self, label: str) -> str | None:
        """The role of a label now, or None when the person may not use the dashboard (any more)."""
        return self._roles.get(label)

    def link_for(self, person: str, now: datetime) -> str | None:
        """A one-time sign-in link for ``platform:id``, or None when the person has no role."""
        label = self.label(person)
        role = self.role_of(label)
        if role is None:
            return None
        token = self.tokens.issue(label, role, now=now)
        return f"{self.public_url}/signin?token={quote(token, safe='')}"
