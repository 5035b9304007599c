"""Operations: noticing what did not happen (late, missed, unverified-end visits), escalating and notifying.

Jobs here run on the scheduler (``backend.scheduling``); notification channels share one interface;
the retention job removes data past its period.
"""
