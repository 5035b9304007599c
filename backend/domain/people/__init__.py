"""Carers, clients and the care packages commissioned for them."""
