"""Paths of the operations area."""

CONTACTS = "/api/v1/oncall-contacts"
CONTACT = "/api/v1/oncall-contacts/{contact_id:int}"
NOTIFICATIONS = "/api/v1/notifications"
AUDIT = "/api/v1/audit"
