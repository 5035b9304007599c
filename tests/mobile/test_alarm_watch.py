"""The board's alarm watch: a new alarm is noticed between refreshes, one already shown is not."""

from __future__ import annotations

from typing import Any

from mobile.core.alarm_watch import AlarmWatch


def test_an_alarm_not_on_the_board_is_new_until_the_board_shows_it() -> None:
    server: list[dict[str, Any]] = [{"id": 7, "kind": "alarm", "message": "Smoke detected"}]
    watch = AlarmWatch(lambda: list(server))
    watch.shown([{"id": 7}, {"id": 3}])
    assert watch.new_alarms() == []
    server.insert(0, {"id": 12, "kind": "alarm", "message": "SOS button pressed: home1_sos_button (living)"})
    assert [alarm["id"] for alarm in watch.new_alarms()] == [12]
    watch.shown([{"id": 12}, {"id": 7}])  # the refresh it triggered put it on the board
    assert watch.new_alarms() == []
