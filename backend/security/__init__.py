"""Password hashing, access tokens and the authenticated principal."""
