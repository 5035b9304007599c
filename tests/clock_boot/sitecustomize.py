"""Puts a process started by a test on the test run's clock (see tests/clock.py).

Python imports ``sitecustomize`` at start-up; the test run puts this folder on ``PYTHONPATH`` and
the offset of its clock from the real one in ``DOMICARE_TEST_CLOCK_OFFSET``.
"""

import os

_offset = os.environ.get("DOMICARE_TEST_CLOCK_OFFSET")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
