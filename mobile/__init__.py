"""The Domicare Kivy app: the carer's phone (rota, check-in/out, notes) and the supervisor's tablet board.

``mobile.core`` holds the offline outbox, API client and sync worker and imports no Kivy;
``mobile.platform`` hides device features behind adapters; ``mobile.screens`` only presents.
"""
