"""Scheduled jobs for every area: one APScheduler per API process, only the lease holder runs jobs.

Areas add jobs with a ``register_jobs(scheduler, settings, sessionmaker)`` function, listed
in the app factory (:mod:`backend.app`); each run is recorded in ``job_run`` so a restart resumes.
"""
