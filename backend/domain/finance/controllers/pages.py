"""The commissioner's web pages: sign-in, the week per provider, a provider's clients, a client's week, downloads.

Server-rendered with Jinja, no JavaScript. Case-note text never reaches these pages: only
reconciliation figures, verification verdicts and amendment reason codes are shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Stream
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.finance import services, urls
from backend.domain.finance.billing import SHORT_FRACTION, Totals
from backend.domain.finance.charts import provider_bars, weekly_trend
from backend.domain.finance.dependencies import export_providers, providers_in_scope
from backend.domain.finance.exports import EXTENSIONS, MEDIA_TYPES, VERDICT_NAMES
from backend.domain.finance.weeks import FinanceWeek, last_completed_week, parse_week_ending, week_of
from backend.pages.site import Form, PageSite, page_templates, session_pages
from shared.enums import Role
from shared.timekeeping import utc_now

TEMPLATES = page_templates(Path(__file__).resolve().parent.parent / "templates")


def _hours(minutes: int) -> str:
    return f"{minutes / 60:,.2f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


TEMPLATES.filters["hours"] = _hours
TEMPLATES.filters["percent"] = _percent
TEMPLATES.globals["verdict_name"] = lambda code: VERDICT_NAMES.get(code, "none")
TEMPLATES.globals["short_percent"] = round(SHORT_FRACTION * 100)

SITE = PageSite(prefix=urls.PAGES, name="Finance", roles=frozenset({Role.COMMISSIONER, Role.PROVIDER_ADMIN}),
                refused="These pages are for commissioners and provider admins.", device="commissioner pages",
                templates=TEMPLATES)
CommissionerSessionPages = session_pages(SITE)


def _week(text: str) -> FinanceWeek:
    try:
        return parse_week_ending(text)
    except ValueError as exc:
        raise NotFoundException(str(exc)) from exc


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
    exception_handlers = SITE.exception_handlers

    @get(urls.PAGES)
    async def home(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect:
        """The last completed week."""
        await SITE.principal(request, db_session)
        return Redirect(urls.WEEK.replace("{week_ending:str}", last_completed_week(utc_now()).ending.isoformat()),
                        status_code=303)

    @get(urls.WEEK)
    async def week(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                   week_ending: str) -> Response[str]:
        """Planned, delivered and billable hours per provider, compliance, chart and downloads."""
        principal = await SITE.principal(request, db_session)
        week = _week(week_ending)
        result = await services.reconcile(db_session, principal.scope, week,
                                          late_tolerance_minutes=state.settings.late_tolerance_minutes)
        rows = [(p.provider.name, p.totals) for p in result.providers]
        return SITE.render("week.html", week=week, result=result, chart=provider_bars(rows), urls=urls,
                      **_week_links(f"{urls.PAGES}/weeks/{{week}}"), **SITE.context(state, principal))

    @get(urls.PROVIDER_WEEK)
    async def provider_week(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                            week_ending: str, provider_id: int) -> Response[str]:
        """A provider's clients for the week."""
        principal = await SITE.principal(request, db_session)
        week = _week(week_ending)
        await providers_in_scope(db_session, principal.scope, provider_id)
        result = await services.reconcile(db_session, principal.scope, week, provider_id=provider_id,
                                          late_tolerance_minutes=state.settings.late_tolerance_minutes)
        line = result.providers[0]
        clients = sorted(line.clients.values(), key=lambda c: c.client_ref)
        points = await services.trend(db_session, principal.scope, _weeks_back(week, TREND_WEEKS),
                                      state.settings.late_tolerance_minutes, provider_id=provider_id)
        return SITE.render("provider.html", week=week, line=line, clients=clients, urls=urls, trend=_trend(points),
                      **_week_links(f"{urls.PAGES}/weeks/{{week}}/providers/{provider_id}"),
                      **SITE.context(state, principal))

    @get(urls.CLIENT_PAGE)
    async def client_page(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                          week_ending: str, client_id: int) -> Response[str]:
        """A client's week, visit by visit (no case notes)."""
        principal = await SITE.principal(request, db_session)
        week = _week(week_ending)
        detail = await services.client_week(db_session, principal.scope, week, client_id,
                                            state.settings.late_tolerance_minutes)
        if detail is None:
            raise NotFoundException(f"no client {client_id} in your providers")
        points = await services.trend(db_session, principal.scope, _weeks_back(week, TREND_WEEKS),
                                      state.settings.late_tolerance_minutes, client_id=client_id)
        return SITE.render("client.html", week=week, detail=detail, urls=urls, trend=_trend(points),
                      **_week_links(f"{urls.PAGES}/weeks/{{week}}/clients/{client_id}"),
                      **SITE.context(state, principal))

    @post(urls.DOWNLOAD, status_code=200)
    async def download(
        self,
        request: Request[Any, Any, Any],
        state: State,
        week_ending: str,
        data: Form,
    ) -> Stream:
        """The portal file for the week: a POST (CSRF-checked), since each makes a new version with a new FileReference.

        Reading a page never creates a file: the download buttons are forms.
        """
        async with state.sessionmaker() as session:  # closed before the file streams through its own sessions
            principal = await SITE.principal(request, session)
        SITE.check_csrf(state, principal, data, "download form")
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
