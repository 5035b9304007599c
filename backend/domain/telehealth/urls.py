"""Paths of the telehealth hub: the caseload (DESIGN.md 4b), enrolments and the hub's clinicians."""

CASELOAD = "/api/v1/hub/caseload"
ENROLMENTS = "/api/v1/hub/enrolments"
ENROLMENT = "/api/v1/hub/enrolments/{enrolment_id:int}"
ENROLMENT_STEP_DOWN = "/api/v1/hub/enrolments/{enrolment_id:int}/step-down"
ENROLMENT_DISCHARGE = "/api/v1/hub/enrolments/{enrolment_id:int}/discharge"
CLINICIANS = "/api/v1/hub/clinicians"
