"""Finance controllers: the JSON API (``api``) and the commissioner's server-rendered pages (``pages``)."""
