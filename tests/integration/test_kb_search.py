"""Indexing the knowledge base and ranking its articles, on SQLite (FTS5) and Postgres
(tsvector): the same questions find the same best article on both."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.database import make_session_factory
from models.kb_search import query_terms
from models.knowledge_base import KbArticle
from tests.conftest import REPO_ROOT
from tests.dbutil import migrated_engine
from tests.kb_steps import with_knowledge_base
from workflows.kb.index import reindex_knowledge_base
from workflows.kb.questions import find_articles

KINDS = pytest.mark.parametrize("kind", ["sqlite", "postgres"])
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

#: Questions as people ask them, worded unlike the articles, and the article that answers.
PARAPHRASES = [
    ("I forgot my password and can't sign in", "password-reset"),
    ("I can't log in", "password-reset"),
    ("the reset email never arrives", "password-reset"),
    ("how do I reset 2FA?", "two-factor-authentication"),
    ("lost my phone with the authenticator app", "two-factor-authentication"),
    ("my verification codes don't work anymore", "two-factor-authentication"),
    ("my card keeps getting declined", "payment-failed"),
    ("why was my payment rejected by the bank", "payment-failed"),
    ("I was charged twice and want my money back", "refund-request"),
    ("can I get a refund for the annual plan?", "refund-request"),
    ("someone logged into my account from another country", "account-compromise"),
    ("I think my account was hacked", "account-compromise"),
    ("the dashboard takes forever to load", "slow-performance"),
    ("reports keep timing out", "slow-performance"),
    (("Hi team, since this morning every time I try to pay for the upgrade my card gets declined, even though "
      "it works in other shops. Can you check?"), "payment-failed"),
]


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    shutil.copytree(REPO_ROOT / "kb", folder)
    return folder


@KINDS
async def test_paraphrased_questions_find_the_right_article_first(kind, config, starter):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        report = await reindex_knowledge_base(sessions=sessions, config=with_knowledge_base(config, starter), now=NOW)
        assert (report.articles, report.added, report.problems) == (6, 6, [])
        wrong = []
        async with sessions() as db:
            for question, expected in PARAPHRASES:
                found = await find_articles(db, question, limit=3)
                if [a.slug for a in found.articles][:1] != [expected]:
                    wrong.append((question, [a.slug for a in found.articles]))
        assert wrong == []


@KINDS
async def test_questions_the_articles_do_not_answer_match_nothing(kind, config, starter):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        await reindex_knowledge_base(sessions=sessions, config=with_knowledge_base(config, starter), now=NOW)
        async with sessions() as db:
            for question in ("how do I export invoices to quickbooks", "reset quickbooks", "thanks!", ""):
                found = await find_articles(db, question, limit=3)
                assert found.articles == [], question
            unknown = await find_articles(db, "export invoices to quickbooks", limit=3)
            assert unknown.best_score is not None and unknown.best_score < 0.5
            # Search syntax of either database is just words here.
            odd = await find_articles(db, '"password" OR title:* NEAR( \' -- ; <b> & | !', limit=3)
            assert odd.terms == ["password", "title", "near", "b"] and odd.articles == []
            quoted = await find_articles(db, '"password*" ( -- ; & | !', limit=3)
            assert [a.slug for a in quoted.articles][:1] == ["password-reset"]


@KINDS
async def test_stemming_finds_other_forms_of_a_word(kind, config, tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "exports.md").write_text("---\ntitle: Exporting reports\ntags: [csv]\n---\nEach report is exportable.\n")
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        await reindex_knowledge_base(sessions=sessions, config=with_knowledge_base(config, folder), now=NOW)
        async with sessions() as db:
            found = await find_articles(db, "export report", limit=3)
    assert [a.slug for a in found.articles] == ["exports"]


@KINDS
async def test_reindex_follows_the_files(kind, config, tmp_path):
    folder = tmp_path / "kb"
    (folder / "billing").mkdir(parents=True)
    (folder / "drafts").mkdir()
    (folder / "billing" / "Refunds.md").write_text("---\ntitle: Refunds\ncategory: Refund request\n---\nWe refund.\n")
    (folder / "vpn.md").write_text("# VPN setup\n\nInstall the VPN client, then sign in.\n")
    (folder / "drafts" / "ticket-1-vpn.md").write_text("---\ntitle: VPN draft\n---\nNot reviewed.\n")
    (folder / "README.md").write_text("# How to write articles\n\nNot an article.\n")
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\nText\n")
    (folder / "empty.md").write_text("---\ntitle: Empty\n---\n")
    kb_config = with_knowledge_base(config, folder)
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        first = await reindex_knowledge_base(sessions=sessions, config=kb_config, now=NOW)
        assert (first.articles, first.added, first.updated, first.removed) == (2, 2, 0, 0)
        assert [p.split(":")[0] for p in first.problems] == ["broken.md", "empty.md"]
        async with sessions() as db:
            rows = {a.slug: a for a in (await db.execute(select(KbArticle))).scalars()}
        assert set(rows) == {"billing/refunds", "vpn"}
        assert rows["vpn"].title == "VPN setup" and rows["vpn"].excerpt == "Install the VPN client, then sign in."
        assert rows["billing/refunds"].category == "Refund request"

        (folder / "vpn.md").write_text("---\ntitle: VPN setup\n---\nUse the new WireGuard client.\n")
        (folder / "billing" / "Refunds.md").unlink()
        (folder / "invoices.md").write_text("---\ntitle: Invoices\ntags: receipts, vat\n---\nDownload invoices.\n")
        second = await reindex_knowledge_base(sessions=sessions, config=kb_config, now=NOW)
        assert (second.articles, second.added, second.updated, second.removed) == (2, 1, 1, 0 + 1)
        async with sessions() as db:
            assert [a.slug for a in (await find_articles(db, "wireguard", limit=3)).articles] == ["vpn"]
            assert (await find_articles(db, "refund", limit=3)).articles == []
            assert [a.slug for a in (await find_articles(db, "vat receipts", limit=3)).articles] == ["invoices"]
            assert (await find_articles(db, "draft reviewed", limit=3)).articles == []

        unchanged = await reindex_knowledge_base(sessions=sessions, config=kb_config, now=NOW)
        assert (unchanged.added, unchanged.updated, unchanged.removed) == (0, 0, 0)


@KINDS
async def test_two_processes_reindexing_at_once_both_succeed(kind, config, starter):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        kb_config = with_knowledge_base(config, starter)
        reports = await asyncio.gather(*(reindex_knowledge_base(sessions=sessions, config=kb_config, now=NOW)
                                         for _ in range(3)))
        assert sorted(r.added for r in reports) == [0, 0, 6]
        async with sessions() as db:
            assert len((await db.execute(select(KbArticle))).scalars().all()) == 6
            assert (await find_articles(db, "refund", limit=3)).articles[0].slug == "refund-request"


async def test_a_missing_folder_leaves_the_knowledge_base_as_it_was(config, starter, tmp_path):
    async with migrated_engine("sqlite") as engine:
        sessions = make_session_factory(engine)
        await reindex_knowledge_base(sessions=sessions, config=with_knowledge_base(config, starter), now=NOW)
        gone = await reindex_knowledge_base(sessions=sessions, config=with_knowledge_base(config, tmp_path / "nope"),
                                            now=NOW)
        assert gone.folder_missing and "does not exist" in gone.summary()
        async with sessions() as db:
            assert len((await db.execute(select(KbArticle))).scalars().all()) == 6


def test_query_words_leave_out_stop_words_and_syntax():
    assert query_terms("How do I reset my 2FA?") == ["reset", "2fa"]
    assert query_terms('"password" OR title:* AND NEAR(x) -- drop; <b>') == [
        "password", "title", "near", "x", "drop", "b"]
    assert query_terms("thanks!") == [] and query_terms("") == []
    assert len(query_terms(" ".join(f"word{i}" for i in range(40)))) == 16
