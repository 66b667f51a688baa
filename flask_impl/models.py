"""The Task table, mapped in SQLAlchemy 2.0 style."""

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The declarative base of every model."""


class Task(Base):
    """A task: a title and whether it is done."""

    __tablename__ = "tasks"
    # AUTOINCREMENT keeps SQLite from handing out a deleted task's id again.
    __table_args__ = {"sqlite_autoincrement": True}

    # SQLite autoincrements only a column declared exactly INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )
