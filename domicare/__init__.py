"""The ``domicare`` command line: one dispatcher fronting every part of the product.

:mod:`domicare.errors` holds the error type every command raises; it imports nothing, so the
libraries (``rostering``, ``sensors``, ``mobile``) can use it without pulling in the backend.
"""
