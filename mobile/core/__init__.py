"""The app's logic without any Kivy: offline outbox, API client, sync worker, rota cache.

Everything here runs (and is unit-tested) on a plain Python interpreter; the screens call
into it and never the other way round.
"""
