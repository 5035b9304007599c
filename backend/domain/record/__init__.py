"""The person's own record: the client, and people they invite, see their care and health information.

The client (or the holder of their lasting power of attorney) decides per person and per category
(visits, readings, notes) who sees what; a consent withdrawn takes effect at the next read, every
read is audited, and safeguarding concerns and notes a carer marked confidential are never shared.
"""
