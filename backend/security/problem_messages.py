"""Problem-details responses written as raw ASGI messages, for middleware that answers before the app runs."""

from __future__ import annotations

import msgspec
from litestar.types import Message

from backend.problems import PROBLEM_CONTENT_TYPE


def problem_messages(status: int, title: str, detail: str,
                     extra_headers: list[tuple[bytes, bytes]] | None = None) -> tuple[Message, Message]:
    """The response start and body messages of an RFC 9457 problem."""
    body = msgspec.json.encode({"type": "about:blank", "title": title, "status": status, "detail": detail})
    headers = [(b"content-type", PROBLEM_CONTENT_TYPE.encode()), (b"content-length", str(len(body)).encode()),
               *(extra_headers or [])]
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body})
