"""Business areas of the backend, one folder each (models, repositories, services, controllers)."""
