"""Paths of the welfare area: staff's list and answers, and the home hub's prompt and "I'm OK"."""

WELFARE_CHECKS = "/api/v1/welfare-checks"
WELFARE_CHECK = "/api/v1/welfare-checks/{check_id:int}"
WELFARE_CHECK_ANSWER = "/api/v1/welfare-checks/{check_id:int}/answer"
HUB_WELFARE_CHECKS = "/api/v1/sensors/welfare-checks"
HUB_WELFARE_CHECK_ANSWER = "/api/v1/sensors/welfare-checks/{check_id:int}/answer"
