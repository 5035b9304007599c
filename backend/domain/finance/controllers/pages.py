"""The commissioner's web pages: sign-in, the week per provider, a provider's clients, a client's week, downloads.

Server-rendered with Jinja, no JavaScript. Case-note text never reaches these pages: only
reconciliation figures, verification verdicts and amendment reason codes are shown.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Stream
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.accounts.services import sign_in
from backend.domain.finance import services, urls
from backend.domain.finance.billing import SHORT_FRACTION, Totals
from backend.domain.finance.charts import provider_bars, weekly_trend
from backend.domain.finance.dependencies import export_providers, providers_in_scope
from backend.domain.finance.exports import EXTENSIONS, MEDIA_TYPES, VERDICT_NAMES
from backend.domain.finance.guards import (
    CSRF_COOKIE,
    PAGE_DEVICE,
    SESSION_COOKIE,
    SESSION_MINUTES,
    WEB_ROLES,
    SignInRequired,
    web_principal,
)
from backend.domain.finance.weeks import FinanceWeek, last_completed_week, parse_week_ending, week_of
from backend.security import csrf, sessions
from backend.security.models import PAGE_SESSION
from backend.security.principal import Principal
from backend.security.signin_limits import TooManyAttempts
from shared.timekeeping import LONDON, utc_now

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _hours(minutes: int) -> str:
    return f"{minutes / 60:,.2f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def _london(moment: Any, fmt: str = "%H:%M") -> str:
    return moment.astimezone(LONDON).strftime(fmt) if moment is not None else ""


TEMPLATES.filters["hours"] = _hours
TEMPLATES.filters["percent"] = _percent
TEMPLATES.filters["london"] = _london
TEMPLATES.globals["verdict_name"] = lambda code: VERDICT_NAMES.get(code, "none")
TEMPLATES.globals["short_percent"] = round(SHORT_FRACTION * 100)


# ``same-origin`` rather than ``no-referrer``: with no referrer, browsers send ``Origin: null`` on form
# posts, which the app's cross-site form check must refuse.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
}


def render(template: str, status_code: int = 200, cookies: list[Cookie] | None = None,
           headers: dict[str, str] | None = None, **context: Any) -> Response[str]:
    """An HTML page from a template."""
    html = TEMPLATES.get_template(template).render(**context)
    return Response(html, media_type=MediaType.HTML, status_code=status_code, cookies=cookies or [],
                    headers={**PAGE_HEADERS, **(headers or {})})


def sign_in_page(state: State, *, status_code: int = 200, target: str = "/commissioner", error: str | None = None,
                 username: str = "", headers: dict[str, str] | None = None) -> Response[str]:
    """The sign-in form with a fresh CSRF pair: a random nonce in a cookie, the server's signature of it in the form."""
    nonce = csrf.new_nonce()
    return render("sign_in.html", status_code=status_code, csrf=csrf.sign_in_token(state.settings.secret_key, nonce),
                  next=target, error=error, principal=None, username=username, headers=headers,
                  cookies=[Cookie(key=CSRF_COOKIE, value=nonce, path=urls.PAGES, httponly=True, samesite="strict")])


def sign_in_redirect(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    """Unsigned visitors go to the sign-in form and come back afterwards."""
    return Redirect(f"{urls.SIGN_IN}?next={quote(request.url.path)}", status_code=303)


def page_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[str]:
    """Errors on the pages as a readable page (the API keeps problem details)."""
    return render("error.html", status_code=exc.status_code, title="Something is not right", detail=exc.detail,
                  principal=None, csrf="")


def _week(text: str) -> FinanceWeek:
    try:
        return parse_week_ending(text)
    except ValueError as exc:
        raise NotFoundException(str(exc)) from exc


def _safe_next(target: str | None) -> str:
    if target and target.startswith(urls.PAGES + "/") and "//" not in target and "\\" not in target:
        return target
    return urls.PAGES


def _provider_choice(text: str | None) -> int | None:
    """The download form's provider (empty: every provider in scope)."""
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise NotFoundException(f"no provider {text!r}")
    return int(text)


TREND_WEEKS = 8


def _weeks_back(week: FinanceWeek, count: int) -> list[FinanceWeek]:
    """``count`` weeks ending with ``week``, oldest first."""
    weeks = [week]
    while len(weeks) < count:
        weeks.insert(0, weeks[0].previous)
    return weeks


def _trend(points: list[tuple[FinanceWeek, Totals]]) -> dict[str, Any]:
    return weekly_trend([(w.ending.strftime("%-d %b"), totals) for w, totals in points])


def _week_links(path: str) -> dict[str, Any]:
    """What ``_week_nav.html`` needs: the page's path for any week, and the current week."""
    return {"target": lambda w: path.replace("{week}", w.ending.isoformat()), "latest": week_of(utc_now())}


class CommissionerPages(Controller):
    """Server-rendered pages for commissioners (all providers of their authority) and provider admins."""

    include_in_schema = False
    exception_handlers = {SignInRequired: sign_in_redirect, HTTPException: page_error}  # type: ignore[dict-item]

    def _context(self, state: State, principal: Principal) -> dict[str, Any]:
        return {"principal": principal, "csrf": csrf.session_token(state.settings.secret_key, principal.session_id or "")}

    @get(urls.PAGES)
    async def home(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect:
        """The last completed week."""
        await web_principal(request, db_session)
        return Redirect(urls.WEEK.replace("{week_ending:str}", last_completed_week(utc_now()).ending.isoformat()),
                        status_code=303)

    @get(urls.SIGN_IN)
    async def sign_in_form(self, state: State,
                           next: str | None = Parameter(query="next", default=None)) -> Response[str]:  # noqa: A002
        """The sign-in form, with a signed CSRF token."""
        return sign_in_page(state, target=_safe_next(next))

    @post(urls.SIGN_IN, status_code=303)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: AsyncSession,
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response[Any]:
        """Check the password as the API does (one lockout) and start a revocable page session."""
        target, username = _safe_next(data.get("next")), data.get("username", "")
        nonce = request.cookies.get(CSRF_COOKIE)
        if not nonce or not csrf.matches(csrf.sign_in_token(state.settings.secret_key, nonce), data.get("csrf_token")):
            return sign_in_page(state, status_code=403, target=target, username=username,
                                error="The form expired; please sign in again.")
        now = utc_now()
        try:
            principal = await sign_in(db_session, state.settings, username, data.get("password", ""),
                                      request.client.host if request.client else "", now)
        except TooManyAttempts as exc:  # the password was not even tried
            return sign_in_page(state, status_code=429, target=target, username=username, error=exc.detail,
                                headers=exc.headers)
        except NotAuthorizedException:
            return sign_in_page(state, status_code=401, target=target, username=username,
                                error="Wrong username or password.")
        if principal.role not in WEB_ROLES:
            return sign_in_page(state, status_code=403, target=target, username=username,
                                error="These pages are for commissioners and provider admins.")
        _row, cookie = sessions.open_session(
            db_session, user_id=principal.user_id, provider_id=principal.provider_id, device=PAGE_DEVICE,
            lifetime=timedelta(minutes=SESSION_MINUTES), now=now, kind=PAGE_SESSION)
        secure = request.url.scheme == "https"
        return Redirect(target, status_code=303, cookies=[
            Cookie(key=SESSION_COOKIE, value=cookie, path=urls.PAGES, httponly=True, samesite="lax", secure=secure,
                   max_age=SESSION_MINUTES * 60),
            Cookie(key=CSRF_COOKIE, value="", path=urls.PAGES, max_age=0),
        ])

    @post(urls.SIGN_OUT, status_code=303)
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: AsyncSession,
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response[Any]:
        """End the page session (CSRF-checked): its cookie stops working everywhere, even if copied."""
        principal = await web_principal(request, db_session)
        expected = csrf.session_token(state.settings.secret_key, principal.session_id or "")
        if not csrf.matches(expected, data.get("csrf_token")):
            raise PermissionDeniedException("the sign-out form expired; reload the page")
        await sessions.revoke(db_session, principal.session_id or "", principal.user_id, utc_now())
        return Redirect(urls.SIGN_IN, status_code=303,
                        cookies=[Cookie(key=SESSION_COOKIE, value="", path=urls.PAGES, max_age=0)])

    @get(urls.WEEK)
    async def week(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                   week_ending: str) -> Response[str]:
        """Planned, delivered and billable hours per provider, compliance, chart and downloads."""
        principal = await web_principal(request, db_session)
        week = _week(week_ending)
        result = await services.reconcile(db_session, principal.scope, week,
                                          late_tolerance_minutes=state.settings.late_tolerance_minutes)
        rows = [(p.provider.name, p.totals) for p in result.providers]
        return render("week.html", week=week, result=result, chart=provider_bars(rows), urls=urls,
                      **_week_links(f"{urls.PAGES}/weeks/{{week}}"), **self._context(state, principal))

    @get(urls.PROVIDER_WEEK)
    async def provider_week(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                            week_ending: str, provider_id: int) -> Response[str]:
        """A provider's clients for the week."""
        principal = await web_principal(request, db_session)
        week = _week(week_ending)
        await providers_in_scope(db_session, principal.scope, provider_id)
        result = await services.reconcile(db_session, principal.scope, week, provider_id=provider_id,
                                          late_tolerance_minutes=state.settings.late_tolerance_minutes)
        line = result.providers[0]
        clients = sorted(line.clients.values(), key=lambda c: c.client_ref)
        points = await services.trend(db_session, principal.scope, _weeks_back(week, TREND_WEEKS),
                                      state.settings.late_tolerance_minutes, provider_id=provider_id)
        return render("provider.html", week=week, line=line, clients=clients, urls=urls, trend=_trend(points),
                      **_week_links(f"{urls.PAGES}/weeks/{{week}}/providers/{provider_id}"),
                      **self._context(state, principal))

    @get(urls.CLIENT_PAGE)
    async def client_page(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                          week_ending: str, client_id: int) -> Response[str]:
        """A client's week, visit by visit (no case notes)."""
        principal = await web_principal(request, db_session)
        week = _week(week_ending)
        detail = await services.client_week(db_session, principal.scope, week, client_id,
                                            state.settings.late_tolerance_minutes)
        if detail is None:
            raise NotFoundException(f"no client {client_id} in your providers")
        points = await services.trend(db_session, principal.scope, _weeks_back(week, TREND_WEEKS),
                                      state.settings.late_tolerance_minutes, client_id=client_id)
        return render("client.html", week=week, detail=detail, urls=urls, trend=_trend(points),
                      **_week_links(f"{urls.PAGES}/weeks/{{week}}/clients/{client_id}"),
                      **self._context(state, principal))

    @post(urls.DOWNLOAD, status_code=200)
    async def download(
        self,
        request: Request[Any, Any, Any],
        state: State,
        week_ending: str,
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Stream:
        """The portal file for the week: a POST (CSRF-checked), since each makes a new version with a new FileReference.

        Reading a page never creates a file: the download buttons are forms.
        """
        async with state.sessionmaker() as session:  # closed before the file streams through its own sessions
            principal = await web_principal(request, session)
        if not csrf.matches(csrf.session_token(state.settings.secret_key, principal.session_id or ""),
                            data.get("csrf_token")):
            raise PermissionDeniedException("the download form expired; reload the page")
        week = _week(week_ending)
        export_format = data.get("format", "")
        if export_format not in services.EXPORT_FORMATS:
            raise NotFoundException(f"no export format {export_format!r}")
        provider_id = _provider_choice(data.get("provider_id"))
        providers = await export_providers(state.sessionmaker, principal.scope, provider_id)
        targets = await services.prepare_export(state.sessionmaker, principal.scope, week, export_format, providers,
                                                principal.user_id, state.settings.late_tolerance_minutes)
        references = [t.batch.file_reference for t in targets]
        name = references[0] if len(references) == 1 else f"{week.ending:%Y%m%d}-all-providers"
        return Stream(
            services.stream_export(state.sessionmaker, principal.scope, week, export_format, targets),
            media_type=MEDIA_TYPES[export_format],
            headers={"Content-Disposition": f'attachment; filename="{name}.{EXTENSIONS[export_format]}"',
                     "X-File-Reference": ",".join(references), "Cache-Control": "no-store"},
        )
