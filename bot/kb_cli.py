"""`supportbot kb reindex`: read the knowledge-base folder into the database now.

    supportbot kb reindex [--config app.yaml]

Reads ``DATABASE_URL`` and the policy (``knowledge_base.path``); needs no Slack token.
The database schema is brought up to date first, as ``serve`` does. Running bots see
the new articles at once (they search the database, nothing is cached). Exit codes: 0
indexed, 1 indexed but some files were skipped (each is listed), 2 nothing could be
indexed (no ``knowledge_base`` section, no folder, an unusable policy or database).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Mapping

from sqlalchemy.exc import DBAPIError

from bot.clock import system_clock
from workflows.policy.loader import load_config
from workflows.policy.problems import ConfigError
from workflows.policy.schema import AppConfig
from bot.database import make_engine, make_session_factory, upgrade_database
from bot.progress import TerminalProgress
from bot.settings import config_path_from, database_url_from
from bot.startup_errors import describe_database_failure
from workflows.kb.index import ReindexReport, reindex_knowledge_base

__all__ = ["add_kb_parser", "run_kb_command"]


def add_kb_parser(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="knowledge base maintenance")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    reindex = kb_sub.add_parser("reindex", help="read the articles folder (knowledge_base.path) into the search index")
    reindex.add_argument("--config", default=None, help="policy file (default: $SUPPORTBOT_CONFIG or ./app.yaml)")


async def _reindex(url: str, config: AppConfig) -> ReindexReport:
    engine = make_engine(url)
    try:
        with TerminalProgress("db upgrade", unit="migration") as progress:
            await upgrade_database(engine, on_progress=progress)
        with TerminalProgress("kb reindex", unit="step") as progress:  # the articles, then the index
            return await reindex_knowledge_base(sessions=make_session_factory(engine), config=config,
                                                now=system_clock(), on_progress=progress)
    finally:
        await engine.dispose()


def run_kb_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    logging.basicConfig(level=logging.ERROR)  # the lines below say what happened
    path = config_path_from(env, args.config)
    try:
        config = load_config(path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        print(f"supportbot kb: fix {path} first (see `supportbot check-config`)", file=sys.stderr)
        return 2
    if config.knowledge_base is None:
        print(f"supportbot kb: {path} has no knowledge_base section; add one (see app.yaml) to use the "
              "knowledge base", file=sys.stderr)
        return 2
    url = database_url_from(env)
    try:
        report = asyncio.run(_reindex(url, config))
    except DBAPIError as error:
        print(describe_database_failure(error, url)
              or f"supportbot kb: cannot write to the database at $DATABASE_URL ({type(error.orig).__name__}); "
                 "is it migrated (`supportbot db upgrade`)?", file=sys.stderr)
        return 2
    if report.folder_missing:
        print(f"supportbot kb: {report.summary()} (knowledge_base.path in {path})", file=sys.stderr)
        return 2
    for problem in report.problems:
        print(f"skipped {problem}", file=sys.stderr)
    print(f"knowledge base: {report.summary()}")
    return 1 if report.problems else 0
