"""Alembic environment: migrate the database flask_impl's settings name, with its engine setup."""

from logging.config import fileConfig

from alembic import context

from flask_impl.config import Config
from flask_impl.db import make_engine
from flask_impl.models import Base

if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name)


def run_migrations_offline() -> None:
    """Write the migrations' SQL instead of running it."""
    context.configure(url=Config.DATABASE_URL, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a connection of the application's own engine."""
    engine = make_engine(Config.DATABASE_URL, Config.DATABASE_TIMEOUT)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
