"""One module per Alembic revision of the site database, oldest first by ``down_revision``."""

__all__: list[str] = []
