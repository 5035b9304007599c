"""A thin synchronous client for the Domicare API (httpx), used from worker threads.

It holds the bearer token and signs in again on its own when the token has expired
(or the server says 401). Transport failures and 502/503/504 raise ``NetworkError``
(worth retrying later); every other error raises ``ApiError`` carrying the server's
RFC 9457 problem details. ``RememberedSignIn`` keeps the last server and username (never
the password) in a small JSON file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

API = "/api/v1"
RETRYABLE_STATUS = frozenset({502, 503, 504})
EXPIRY_MARGIN_S = 30.0


class NetworkError(Exception):
    """The server could not be reached (or is temporarily unavailable): try again later."""


class ApiError(Exception):
    """The server answered with an error; ``problem`` holds its problem details."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or f"HTTP {self.status}")


class NotSignedIn(ApiError):
    """No credentials to sign in with, or the server refused them."""


class ApiClient:
    """Talks to one Domicare server on behalf of one signed-in user."""

    def __init__(
        self,
        server: str,
        *,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server.rstrip("/")
        self._http = httpx.Client(base_url=self.server, timeout=timeout, transport=transport)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._credentials: tuple[str, str] | None = None
        self.me: dict[str, Any] | None = None

    def close(self) -> None:
        self._http.close()

    # -- signing in ------------------------------------------------------------------------

    @property
    def username(self) -> str | None:
        return self._credentials[0] if self._credentials else None

    @property
    def signed_in(self) -> bool:
        return self._token is not None

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """Exchange the credentials for a token and return ``/me``; keeps them for re-sign-in."""
        self._credentials = (username, password)
        self._fetch_token()
        self.me = self.get("/me")
        return self.me

    def use_credentials(self, username: str, password: str, me: dict[str, Any] | None = None) -> None:
        """Keep credentials for a later sign-in (offline start: the token is fetched when the network returns)."""
        self._credentials = (username, password)
        self.me = me

    def sign_out(self) -> None:
        self._token = None
        self._credentials = None
        self.me = None

    def _fetch_token(self) -> None:
        if self._credentials is None:
            raise NotSignedIn(401, {"title": "Not signed in", "status": 401, "detail": "please sign in"})
        username, password = self._credentials
        try:
            response = self._http.post(f"{API}/auth/token", data={"username": username, "password": password})
        except httpx.TransportError as exc:
            raise NetworkError(f"cannot reach {self.server}: {exc}") from exc
        if response.status_code in RETRYABLE_STATUS:
            raise NetworkError(f"{self.server} is unavailable (HTTP {response.status_code})")
        if response.status_code >= 400:
            problem = _problem(response)
            if response.status_code == 401:
                problem.setdefault("detail", "invalid username or password")
                raise NotSignedIn(401, problem)
            raise ApiError(response.status_code, problem)
        body = response.json()
        self._token = body["access_token"]
        self._expires_at = self._clock() + float(body.get("expires_in", 900)) - EXPIRY_MARGIN_S

    def _ensure_token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._fetch_token()
            assert self._token is not None
            return self._token

    # -- requests --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send an authenticated request to ``/api/v1{path}``; returns the decoded JSON body."""
        for attempt in (1, 2):
            token = self._ensure_token()
            all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
            try:
                response = self._http.request(method, f"{API}{path}", json=json_body, params=params, headers=all_headers)
            except httpx.TransportError as exc:
                raise NetworkError(f"cannot reach {self.server}: {exc}") from exc
            if response.status_code == 401 and attempt == 1 and self._credentials is not None:
                with self._lock:
                    self._token = None  # expired or revoked: sign in again once
                continue
            if response.status_code in RETRYABLE_STATUS:
                raise NetworkError(f"{self.server} is unavailable (HTTP {response.status_code})")
            if response.status_code >= 400:
                raise ApiError(response.status_code, _problem(response))
            if not response.content:
                return None
            return response.json()
        raise NotSignedIn(401, {"title": "Unauthorized", "status": 401, "detail": "the server refused the sign-in"})

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None} or None)

    def post(self, path: str, body: Any = None, *, idempotency_key: str | None = None) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.request("POST", path, json_body=body if body is not None else {}, headers=headers)

    # -- the carer's endpoints -------------------------------------------------------------

    def my_visits(self, day: str) -> list[dict[str, Any]]:
        """Every visit of the signed-in carer on ``day`` (YYYY-MM-DD), following pages."""
        return self._all_pages("/me/visits", date=day)

    def sync(self, actions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send queued actions to ``POST /sync``; returns the per-action results in order."""
        body = self.post("/sync", {"actions": list(actions)})
        return list(body.get("results", []))

    # -- the supervisor's endpoints --------------------------------------------------------

    def board(self, day: str | None = None, page_size: int = 500) -> dict[str, Any]:
        """The live board with every visit of the day and every open alert (following their pages), and the counts."""
        board = self.get("/board", date=day, limit=page_size, offset=0, alerts_limit=page_size, alerts_offset=0)
        for part, param in (("visits", "offset"), ("alerts", "alerts_offset")):
            items = list(board[part]["items"])
            while len(items) < int(board[part]["total"]):
                more = self.get("/board", date=day, limit=page_size, alerts_limit=page_size,
                                **{param: len(items)})[part]["items"]
                if not more:
                    break
                items.extend(more)
            board[part] = items
        return board

    def open_alarms(self) -> list[dict[str, Any]]:
        """Open alarms (SOS, leak, smoke, gas), newest first: one small request the board makes every few seconds."""
        return list(self.get("/alerts", state="open", kind="alarm", limit=50).get("items", []))

    def acknowledge_alert(self, alert_id: int) -> Any:
        return self.post(f"/alerts/{alert_id}/acknowledge")

    def resolve_alert(self, alert_id: int) -> Any:
        return self.post(f"/alerts/{alert_id}/resolve")

    def alert_concern(self, alert_id: int) -> dict[str, Any]:
        """What the carer wrote in the concern behind an alert (the server audits each read)."""
        return dict(self.get(f"/alerts/{alert_id}/concern"))

    def welfare_checks(self, state: str = "open") -> list[dict[str, Any]]:
        """The provider's welfare checks in ``state`` (open: waiting for "I'm OK"), following pages."""
        return self._all_pages("/welfare-checks", state=state)

    def answer_welfare_check(self, check_id: int, note: str) -> Any:
        """The office confirms the person is OK (e.g. after phoning them): closes an open check."""
        return self.post(f"/welfare-checks/{check_id}/answer", {"note": note})

    def reviews(self) -> list[dict[str, Any]]:
        return self._all_pages("/reviews")

    def review_event(self, event_id: int, decision: str) -> Any:
        return self.post(f"/visit-events/{event_id}/review", {"decision": decision})

    def amendments(self, state: str = "pending") -> list[dict[str, Any]]:
        return self._all_pages("/amendments", state=state)

    def decide_amendment(self, amendment_id: int, decision: str) -> Any:
        if decision not in ("approve", "reject"):
            raise ValueError(decision)
        return self.post(f"/amendments/{amendment_id}/{decision}")

    def _all_pages(self, path: str, page_size: int = 100, max_pages: int = 50, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset = 0
        for _ in range(max_pages):
            body = self.get(path, limit=page_size, offset=offset, **params)
            page = list(body.get("items", []))
            items.extend(page)
            total = body.get("total")
            offset += len(page)
            if not page or (total is not None and offset >= int(total)):
                break
        return items


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        body.setdefault("status", response.status_code)
        return body
    return {"type": "about:blank", "title": response.reason_phrase, "status": response.status_code,
            "detail": response.text[:200] or response.reason_phrase}


class RememberedSignIn:
    """The last server, username and ``/me``, kept between runs, with a salted PBKDF2 verifier of
    the password (never the password) so the carer can open the app with no signal."""

    ITERATIONS = 120_000

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self) -> dict[str, str]:
        return {k: str(v) for k, v in self._read().items() if k in ("server", "username")}

    def me(self) -> dict[str, Any]:
        me = self._read().get("me")
        return me if isinstance(me, dict) else {}

    def save(self, server: str, username: str, *, password: str | None = None, me: dict[str, Any] | None = None) -> None:
        data: dict[str, Any] = {"server": server, "username": username}
        if password is not None:
            salt = secrets.token_bytes(16)
            data["salt"] = salt.hex()
            data["verifier"] = _verifier(password, salt, self.ITERATIONS)
        if me is not None:
            data["me"] = me
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)

    def matches(self, username: str, password: str) -> bool:
        """Whether these are the credentials of the last successful online sign-in."""
        data = self._read()
        if data.get("username") != username or "verifier" not in data or "salt" not in data:
            return False
        expected = _verifier(password, bytes.fromhex(data["salt"]), self.ITERATIONS)
        return hmac.compare_digest(expected, str(data["verifier"]))


def _verifier(password: str, salt: bytes, iterations: int) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations).hex()
