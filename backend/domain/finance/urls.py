"""Paths of the finance area: the JSON API and the commissioner's web pages."""

RECONCILIATION = "/api/v1/finance/reconciliation"
CLIENT_WEEK = "/api/v1/finance/reconciliation/clients/{client_id:int}"
EXPORTS = "/api/v1/finance/exports"
EXPORT_BATCHES = "/api/v1/finance/export-batches"
PAYMENT_RULES = "/api/v1/finance/payment-rules"

PAGES = "/commissioner"
WEEK = "/commissioner/weeks/{week_ending:str}"
PROVIDER_WEEK = "/commissioner/weeks/{week_ending:str}/providers/{provider_id:int}"
CLIENT_PAGE = "/commissioner/weeks/{week_ending:str}/clients/{client_id:int}"
DOWNLOAD = "/commissioner/weeks/{week_ending:str}/download"
STATIC_CSS = "/commissioner/static/finance.css"
