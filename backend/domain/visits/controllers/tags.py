"""Home tags: the signed QR/NFC content an admin prints for a client's home, and its rotation."""

from __future__ import annotations

import io
from typing import Any

import qrcode
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from backend.security.guards import requires_provider_admin
from backend.domain.audit.services import record
from backend.domain.people.access import client_in_scope
from backend.domain.people.models import Client
from backend.domain.visits import urls
from backend.domain.visits.schemas import HomeTagOut
from backend.domain.visits.visit_verification import make_tag
from backend.security.principal import Principal


def _tag_of(client: Client) -> str:
    return make_tag(client.tag_secret, client.provider_id, client.id or 0, client.tag_version)


class HomeTagController(Controller):
    """Provider admins print and rotate home tags."""

    tags = ["home tags"]
    guards = [requires_provider_admin]

    @get(urls.CLIENT_TAG, summary="The home tag's content")
    async def tag(self, db_session: AsyncSession, request: Request[Principal, Any, State], client_id: int) -> HomeTagOut:
        """The string to encode in the home's QR code or NFC tag."""
        client = await client_in_scope(db_session, request.user.scope, client_id)
        return {"client_id": client_id, "version": client.tag_version, "tag": _tag_of(client)}

    @get(urls.CLIENT_TAG_PNG, summary="The home tag as a printable QR code", media_type="image/png")
    async def tag_png(self, db_session: AsyncSession, request: Request[Principal, Any, State], client_id: int) -> Response[bytes]:
        """A PNG QR code of the current tag."""
        client = await client_in_scope(db_session, request.user.scope, client_id)
        buffer = io.BytesIO()
        qrcode.make(_tag_of(client), box_size=8, border=4).save(buffer, format="PNG")
        record(db_session, request.user, "home_tag.print", "client", client_id, provider_id=client.provider_id)
        return Response(buffer.getvalue(), media_type="image/png")

    @post(urls.CLIENT_TAG_ROTATE, status_code=200, summary="Rotate a home tag (the old one stops verifying)")
    async def rotate(self, db_session: AsyncSession, request: Request[Principal, Any, State], client_id: int) -> HomeTagOut:
        """Bump the tag version, e.g. after a tag was lost or copied."""
        client = await client_in_scope(db_session, request.user.scope, client_id)
        client.tag_version += 1
        record(db_session, request.user, "home_tag.rotate", "client", client_id, provider_id=client.provider_id,
               detail={"version": client.tag_version})
        return {"client_id": client_id, "version": client.tag_version, "tag": _tag_of(client)}
