"""What every area's server-rendered pages share: the layout, sign-in to a revocable page session, CSRF."""
