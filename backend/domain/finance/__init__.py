"""Finance: delivered hours under each authority's payment rules, weekly reconciliation,
exports to the authority's finance portal (abacus CSV and EVV JSON, streamed, never-reused
file references), the scheduled weekly export and the commissioner's web pages.
"""
