"""Paths of the people area."""

CLIENTS = "/api/v1/clients"
CLIENT = "/api/v1/clients/{client_id:int}"
CARERS = "/api/v1/carers"
