"""The app's request class: Litestar's, with a JSON body nested beyond what can be decoded refused as a 400.

msgspec decodes recursively, so thousands of nested arrays or objects raise ``RecursionError``;
read through :meth:`DomicareRequest.json` (as every JSON body of a typed handler is), that is the
sender's mistake, answered as a problem instead of a 500.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException


class DomicareRequest(Request[Any, Any, Any]):
    """A request whose JSON body, however deep, is never a server error."""

    async def json(self) -> Any:
        """The decoded JSON body; a 400 when it is nested too deeply to decode."""
        try:
            return await super().json()
        except RecursionError:
            raise ClientException("the JSON body is nested too deeply", status_code=400) from None
