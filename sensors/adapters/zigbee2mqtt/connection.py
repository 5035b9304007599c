"""How the ingest worker proves who it is to the broker: username/password and TLS."""

from __future__ import annotations

import ssl

import msgspec
import paho.mqtt.client as mqtt


class BrokerAccess(msgspec.Struct, frozen=True, kw_only=True):
    """Credentials and TLS for the broker connection; the defaults are an anonymous plain-TCP link (the demo)."""

    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None  # the CA that signed the broker's certificate (the system store when None)
    cert_file: str | None = None  # a client certificate, for brokers that require one
    key_file: str | None = None

    def apply(self, client: mqtt.Client) -> None:
        """Configure a paho client before it connects."""
        if self.username:
            client.username_pw_set(self.username, self.password)
        if self.tls or self.ca_file or self.cert_file:
            # Certificate and host name are always verified: an ingest that trusts any broker
            # would accept readings from anyone able to redirect its traffic.
            client.tls_set(ca_certs=self.ca_file, certfile=self.cert_file, keyfile=self.key_file,
                           cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
