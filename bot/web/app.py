"""The dashboard's Starlette app: routes, sign-in and sign-out, security headers and static files.

Sign-in: the link from /dashboard opens a page with one button (a link preview, which only GETs, never
uses the link up); pressing it POSTs the token, which must be genuine, younger than 10 minutes and not
used before (:class:`bot.storage.dashboard.SignInNonces`). The session is a signed cookie: HttpOnly,
SameSite=Lax, scoped to the dashboard's path, Secure when the public address is https.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.web import campaign_pages, content_pages, overview
from bot.web.context import BASE_PATH, COOKIE, SECURITY_HEADERS, DashboardContext, Refused, Visitor
from bot.web.render import CSRF_FIELD, STATIC_DIR
from bot.web.tokens import Session, TokenExpired, TokenInvalid, csrf_matches, new_csrf

_log = logging.getLogger(__name__)
SESSION_HOURS = 12


def dashboard(request: Request) -> DashboardContext:
    context: DashboardContext = request.app.state.dashboard
    return context


async def signin_page(request: Request) -> Response:
    """How to sign in; with ``?token=``, the button that uses the link."""
    token = request.query_params.get("token")
    return dashboard(request).html("signin.html", token=token[:1024] if token else None)


async def signin(request: Request) -> Response:
    """Use a sign-in link: check it, spend it, start a session."""
    context = dashboard(request)
    form = await request.form()
    token = form.get("token")
    now = context.clock.now()
    problem: str | None = None
    try:
        sign_in = context.access.tokens.read(token if isinstance(token, str) else "", now)
    except TokenExpired:
        problem = "expired"
    except TokenInvalid:
        problem = "invalid"
    else:
        role = context.access.role_of(sign_in.person)
        expires = sign_in.issued_at + context.access.tokens.ttl
        if role is None:
            problem = "invalid"
        elif not await context.nonces.use(sign_in.nonce, now, expires):
            problem = "used"
    if problem is not None:
        _log.info("a sign-in link was refused (%s)", problem)
        return context.html("signin.html", 400, problem=problem)
    session = Session(sign_in.person, role, new_csrf(), now)  # type: ignore[arg-type]
    await context.record(Visitor(session.person, session.role, session), "signed_in")
    response = RedirectResponse(f"{BASE_PATH}/?notice=signed_in", status_code=303)
    response.set_cookie(
        COOKIE,
        context.access.sessions.dump(session),
        max_age=SESSION_HOURS * 3600,
        path=BASE_PATH,
        httponly=True,
        samesite="lax",
        secure=context.access.secure,
    )
    return response


async def signout(request: Request) -> Response:
    """End the session (any role; the form carries the CSRF token)."""
    context = dashboard(request)
    visitor = context.visitor(request)
    form = await request.form()
    submitted = form.get(CSRF_FIELD)
    if visitor is None or not csrf_matches(
        visitor.session, submitted if isinstance(submitted, str) else None
    ):
        return context.message("stale_form", 403, visitor)
    await context.record(visitor, "signed_out")
    response = context.message("signed_out", 200)
    response.delete_cookie(
        COOKIE, path=BASE_PATH, httponly=True, samesite="lax", secure=context.access.secure
    )
    return response


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, Refused)
    return error.response


async def _not_found(request: Request, error: Exception) -> Response:
    context = dashboard(request)
    return context.message("not_found", 404, context.visitor(request))


async def _server_error(request: Request, error: Exception) -> Response:
    _log.exception("the dashboard failed on %s", request.url.path)
    return dashboard(request).message("error", 500)


class SecurityHeaders(BaseHTTPMiddleware):
    """Adds the Content-Security-Policy and friends to every answer."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            if name == "Cache-Control" and request.url.path.startswith(f"{BASE_PATH}/static/"):
                continue
            response.headers.setdefault(name, value)
        return response


def routes() -> list[BaseRoute]:
    """Every route of the dashboard, under ``/dashboard``."""
    return [
        Route("/", lambda request: RedirectResponse(f"{BASE_PATH}/", status_code=307)),
        Mount(
            BASE_PATH,
            routes=[
                Route("/", overview.page),
                Route("/signin", signin_page, methods=["GET"]),
                Route("/signin", signin, methods=["POST"]),
                Route("/signout", signout, methods=["POST"]),
                *overview.routes(),
                *campaign_pages.routes(),
                *content_pages.routes(),
                Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
            ],
        ),
    ]


def create_app(context: DashboardContext) -> Starlette:
    """The dashboard as an ASGI app."""
    app = Starlette(
        routes=routes(),
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={Refused: _refused, 404: _not_found, 500: _server_error},
    )
    app.state.dashboard = context
    return app
