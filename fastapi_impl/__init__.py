"""The Task API in FastAPI: pydantic v2, async SQLAlchemy 2.0 and Alembic."""
