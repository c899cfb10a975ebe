"""Storage: SQLAlchemy 2 async models, the engine and session factory, Alembic migrations."""
