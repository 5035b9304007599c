"""Wire contracts shared by the app, the backend and the sensor adapters.

msgspec structs and enums that cross a process boundary, plus small geo and
time helpers every part needs. Nothing here imports a UI or a web framework.
"""
