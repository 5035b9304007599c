"""Server-rendered pages: one layout and one way in for every area that has pages.

A :class:`PageSite` is one area's pages under their own path prefix (``/commissioner``, ``/hub``,
``/me``) for some roles. Signing in opens a page session (``backend.security.sessions``) kept in an
HttpOnly cookie scoped to the prefix and checked in the database on every request with the account
behind it, so signing out, a revoked session or a disabled account ends it at once. It is not a JWT:
it opens nothing on the API, nor another site's pages (bearer auth skips these prefixes, see
``backend.security.tokens.PUBLIC_PATHS``). CSRF tokens are the server's HMACs, of the session id once
signed in and of a random nonce (in a cookie) on forms shown before sign-in, not values a visitor chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, State
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.accounts.services import page_principal, sign_in
from backend.security import csrf, sessions
from backend.security.models import PAGE_SESSION
from backend.security.principal import Principal
from backend.security.signin_limits import TooManyAttempts
from shared.enums import Role
from shared.timekeeping import LONDON, utc_now

SESSION_COOKIE = "domicare_session"
CSRF_COOKIE = "domicare_csrf"
SESSION_MINUTES = 120
LAYOUT_DIR = Path(__file__).resolve().parent / "templates"

# ``same-origin`` rather than ``no-referrer``: with no referrer, browsers send ``Origin: null`` on form
# posts, which the app's cross-site form check must refuse.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
}

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A page form's fields."""


class SignInRequired(NotAuthorizedException):
    """No valid page session; the pages answer with a redirect to their sign-in form."""


def london(moment: datetime | None, fmt: str = "%H:%M") -> str:
    """A UTC moment as UK wall time (``fmt``), or nothing."""
    return moment.astimezone(LONDON).strftime(fmt) if moment is not None else ""


def page_templates(area_dir: Path) -> Environment:
    """A Jinja environment for an area's templates, with the shared layout, sign-in and error pages behind them."""
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(area_dir), FileSystemLoader(LAYOUT_DIR)]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["london"] = london
    return environment


@dataclass(frozen=True)
class PageSite:
    """One area's pages: where they live, who may open them and how they look."""

    prefix: str
    name: str
    """Shown in the header, e.g. ``Finance``."""
    roles: frozenset[Role]
    refused: str
    """What a signed-in account of another role is told."""
    device: str
    """The page session's device name, as the account's sessions list shows it."""
    templates: Environment
    large_text: bool = False
    landing: str | None = None
    """Where the site's own address leads a signed-in user (``None``: the area routes it itself)."""
    intro: str = ""
    """A line under the sign-in form's heading saying what the pages are for."""

    @property
    def sign_in_path(self) -> str:
        """The sign-in form."""
        return f"{self.prefix}/sign-in"

    @property
    def sign_out_path(self) -> str:
        """The sign-out form's target."""
        return f"{self.prefix}/sign-out"

    def render(self, template: str, status_code: int = 200, cookies: list[Cookie] | None = None,
               headers: dict[str, str] | None = None, **context: Any) -> Response[str]:
        """An HTML page from a template of this site."""
        html = self.templates.get_template(template).render(site=self, **context)
        return Response(html, media_type=MediaType.HTML, status_code=status_code, cookies=cookies or [],
                        headers={**PAGE_HEADERS, **(headers or {})})

    def nonce_form(self, state: State) -> tuple[str, Cookie]:
        """For a form shown before sign-in: its CSRF token and the cookie holding the nonce it signs."""
        nonce = csrf.new_nonce()
        cookie = Cookie(key=CSRF_COOKIE, value=nonce, path=self.prefix, httponly=True, samesite="strict")
        return csrf.sign_in_token(state.settings.secret_key, nonce), cookie

    def nonce_form_ok(self, request: Request[Any, Any, Any], state: State, data: dict[str, str]) -> bool:
        """Whether a form shown before sign-in came back with the token of this browser's nonce."""
        nonce = request.cookies.get(CSRF_COOKIE)
        return bool(nonce) and csrf.matches(csrf.sign_in_token(state.settings.secret_key, nonce or ""),
                                            data.get("csrf_token"))

    def sign_in_page(self, state: State, *, status_code: int = 200, target: str | None = None,
                     error: str | None = None, notice: str | None = None, username: str = "",
                     headers: dict[str, str] | None = None) -> Response[str]:
        """The sign-in form with a fresh CSRF pair."""
        token, cookie = self.nonce_form(state)
        return self.render("sign_in.html", status_code=status_code, csrf=token, next=target or self.prefix,
                           error=error, notice=notice, principal=None, username=username, headers=headers,
                           cookies=[cookie])

    def safe_next(self, target: str | None) -> str:
        """Where to go after signing in: a page of this site, never elsewhere."""
        if target and target.startswith(self.prefix + "/") and "//" not in target and "\\" not in target:
            return target
        return self.prefix

    def context(self, state: State, principal: Principal) -> dict[str, Any]:
        """What every signed-in page's layout needs: who is signed in and the CSRF token of their session."""
        return {"principal": principal,
                "csrf": csrf.session_token(state.settings.secret_key, principal.session_id or "")}

    def check_csrf(self, state: State, principal: Principal, data: dict[str, str], what: str = "form") -> None:
        """403 unless a signed-in form came back with its session's CSRF token."""
        if not csrf.matches(csrf.session_token(state.settings.secret_key, principal.session_id or ""),
                            data.get("csrf_token")):
            raise PermissionDeniedException(f"the {what} expired; reload the page")

    async def principal(self, connection: ASGIConnection[Any, Any, Any, Any], db_session: AsyncSession) -> Principal:
        """The signed-in user of this site from the session cookie, or :class:`SignInRequired`."""
        cookie = connection.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise SignInRequired("sign in to continue")
        principal = await page_principal(db_session, cookie, utc_now())
        if principal is None:
            raise SignInRequired("your session has ended; sign in again")
        if principal.role not in self.roles:
            raise PermissionDeniedException(self.refused)
        return principal

    def sign_in_redirect(self, request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
        """Visitors without a session go to the sign-in form and come back afterwards."""
        return Redirect(f"{self.sign_in_path}?next={quote(request.url.path)}", status_code=303)

    def page_error(self, request: Request[Any, Any, Any], exc: HTTPException) -> Response[str]:
        """Errors on the pages as a readable page (the API keeps problem details)."""
        return self.render("error.html", status_code=exc.status_code, title="Something is not right",
                           detail=exc.detail, principal=None, csrf="")

    @property
    def exception_handlers(self) -> dict[Any, Any]:
        """A pages controller's handlers: sign-in redirects, and errors as pages."""
        return {SignInRequired: self.sign_in_redirect, HTTPException: self.page_error}


def session_pages(site: PageSite) -> type[Controller]:
    """The sign-in form, signing in (one lockout with the API) and signing out of ``site``, and its landing."""

    class SessionPages(Controller):
        include_in_schema = False
        exception_handlers = site.exception_handlers

        @get(site.sign_in_path)
        async def sign_in_form(self, state: State,
                               next: str | None = Parameter(query="next", default=None)) -> Response[str]:  # noqa: A002
            """The sign-in form, with a signed CSRF token."""
            return site.sign_in_page(state, target=site.safe_next(next))

        @post(site.sign_in_path, status_code=303)
        async def sign_in(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                          data: Form) -> Response[Any]:
            """Check the password as the API does (one lockout) and start a revocable page session."""
            target, username = site.safe_next(data.get("next")), data.get("username", "")
            if not site.nonce_form_ok(request, state, data):
                return site.sign_in_page(state, status_code=403, target=target, username=username,
                                         error="The form expired; please sign in again.")
            now = utc_now()
            try:
                principal = await sign_in(db_session, state.settings, username, data.get("password", ""),
                                          request.client.host if request.client else "", now)
            except TooManyAttempts as exc:  # the password was not even tried
                return site.sign_in_page(state, status_code=429, target=target, username=username, error=exc.detail,
                                         headers=exc.headers)
            except NotAuthorizedException:
                return site.sign_in_page(state, status_code=401, target=target, username=username,
                                         error="Wrong username or password.")
            if principal.role not in site.roles:
                return site.sign_in_page(state, status_code=403, target=target, username=username, error=site.refused)
            _row, cookie = sessions.open_session(
                db_session, user_id=principal.user_id, provider_id=principal.provider_id, device=site.device,
                lifetime=timedelta(minutes=SESSION_MINUTES), now=now, kind=PAGE_SESSION)
            secure = request.url.scheme == "https"
            return Redirect(target, status_code=303, cookies=[
                Cookie(key=SESSION_COOKIE, value=cookie, path=site.prefix, httponly=True, samesite="lax",
                       secure=secure, max_age=SESSION_MINUTES * 60),
                Cookie(key=CSRF_COOKIE, value="", path=site.prefix, max_age=0),
            ])

        @post(site.sign_out_path, status_code=303)
        async def sign_out(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                           data: Form) -> Response[Any]:
            """End the page session (CSRF-checked): its cookie stops working everywhere, even if copied."""
            principal = await site.principal(request, db_session)
            site.check_csrf(state, principal, data, "sign-out form")
            await sessions.revoke(db_session, principal.session_id or "", principal.user_id, utc_now())
            return Redirect(site.sign_in_path, status_code=303,
                            cookies=[Cookie(key=SESSION_COOKIE, value="", path=site.prefix, max_age=0)])

        if site.landing:
            @get(site.prefix)
            async def home(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect:
                """The site's first page, once signed in."""
                await site.principal(request, db_session)
                return Redirect(site.landing or site.prefix, status_code=303)

    SessionPages.__name__ = SessionPages.__qualname__ = f"{site.name.replace(' ', '')}SessionPages"
    return SessionPages
