"""Paths of the operations area."""

CONTACTS = "/api/v1/oncall-contacts"
CONTACT = "/api/v1/oncall-contacts/{contact_id:int}"
CLIENT_FAMILY_CONTACTS = "/api/v1/clients/{client_id:int}/family-contacts"
FAMILY_CONTACT = "/api/v1/family-contacts/{family_contact_id:int}"
NOTIFICATIONS = "/api/v1/notifications"
AUDIT = "/api/v1/audit"
