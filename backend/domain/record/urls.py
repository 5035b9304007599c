"""Paths of the person's record (``RECORD`` is fixed in DESIGN.md 4b)."""

RECORD = "/api/v1/me/record"
PEOPLE = "/api/v1/me/record/people"
PERSON_CONSENTS = "/api/v1/me/record/people/{member_id:int}/consents"
PERSON = "/api/v1/me/record/people/{member_id:int}"
INVITATIONS = "/api/v1/me/record/invitations"
INVITATION = "/api/v1/me/record/invitations/{invitation_id:int}"
ACCEPT = "/api/v1/record/invitations/accept"
