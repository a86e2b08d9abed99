"""Knowledge base: articles, searches, deflections and the full-text index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

``kb_articles`` is a copy of the Markdown files (``supportbot kb reindex``);
``kb_searches`` and ``kb_deflections`` feed the self-service metrics. ``kb_index`` is
the search index, different on each database (``models/kb_search.py``): an FTS5
virtual table with the porter tokenizer on SQLite, a tsvector column with a GIN index
on Postgres. It is filled from ``kb_articles`` by every reindex.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the knowledge-base tables and the dialect's search index."""
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("tags", sa.String(length=1000), nullable=False),
        sa.Column("excerpt", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
        sa.UniqueConstraint("slug", name=op.f("uq_kb_articles_slug")),
    )
    op.create_table(
        "kb_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("terms", sa.String(length=500), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("source_key", sa.String(length=80), nullable=True),
        sa.Column("searched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_searches")),
        sa.UniqueConstraint("source_key", name=op.f("uq_kb_searches_source_key")),
    )
    op.create_index(op.f("ix_kb_searches_searched_at"), "kb_searches", ["searched_at"], unique=False)
    op.create_table(
        "kb_deflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("article_slug", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("deflected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["search_id"], ["kb_searches.id"],
                                name=op.f("fk_kb_deflections_search_id_kb_searches"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_deflections")),
        sa.UniqueConstraint("search_id", name=op.f("uq_kb_deflections_search_id")),
    )
    op.create_index(op.f("ix_kb_deflections_deflected_at"), "kb_deflections", ["deflected_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE kb_index ("
            " article_id INTEGER PRIMARY KEY REFERENCES kb_articles (id) ON DELETE CASCADE,"
            " document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_kb_index_document ON kb_index USING GIN (document)")
    else:
        op.execute("CREATE VIRTUAL TABLE kb_index USING fts5(title, tags, body, tokenize = 'porter unicode61')")


def downgrade() -> None:
    """Drop the search index and the knowledge-base tables."""
    op.execute("DROP TABLE IF EXISTS kb_index")
    op.drop_index(op.f("ix_kb_deflections_deflected_at"), table_name="kb_deflections")
    op.drop_table("kb_deflections")
    op.drop_index(op.f("ix_kb_searches_searched_at"), table_name="kb_searches")
    op.drop_table("kb_searches")
    op.drop_table("kb_articles")
