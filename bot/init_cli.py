"""`supportbot init [DIR]`: a starting point for someone who installed the package alone.

    supportbot init /etc/supportbot

Writes the example policy (``app.yaml``, every key commented) and the starter knowledge
base (``kb/``, a few articles and how to write more) into DIR (default: the current
folder; created if missing), then prints the next three steps. It never overwrites:
a DIR that already has an ``app.yaml`` or a ``kb/`` is left alone (exit 2). Both files
ship inside the package (``bot/starter/``, links to the repository's own ``app.yaml``
and ``kb/``), so what ``init`` writes is what the tests run against.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["add_init_parser", "run_init"]


def add_init_parser(sub: argparse._SubParsersAction) -> None:
    init = sub.add_parser("init", help="write an example app.yaml and a starter kb/ folder into DIR")
    init.add_argument("dir", nargs="?", default=".", metavar="DIR",
                      help="where to write them (default: the current folder; created if missing)")


def _starter() -> Traversable:
    return files("bot").joinpath("starter")


def _copy_tree(source: Traversable, target: Path) -> int:
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    for item in sorted(source.iterdir(), key=lambda i: i.name):
        if item.is_dir():
            written += _copy_tree(item, target / item.name)
        elif item.name.endswith(".md"):
            (target / item.name).write_bytes(item.read_bytes())
            written += 1
    return written


def run_init(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    policy, kb = folder / "app.yaml", folder / "kb"
    present = [str(p) for p in (policy, kb) if p.exists()]
    if present:
        print(f"supportbot init: {' and '.join(present)} already exist(s); nothing written (choose an empty "
              f"folder, or move them away first)", file=sys.stderr)
        return 2
    try:
        folder.mkdir(parents=True, exist_ok=True)
        policy.write_bytes(_starter().joinpath("app.yaml").read_bytes())
        articles = _copy_tree(_starter().joinpath("kb"), kb)
    except OSError as error:
        print(f"supportbot init: cannot write into {folder} ({error.strerror or error}); choose a folder you "
              f"may write to", file=sys.stderr)
        return 2
    config = shlex.quote(str(policy))
    print(f"Wrote {policy} (the example policy) and {kb}/ ({articles} files: starter articles and how to "
          f"write more).\n"
          f"Next:\n"
          f"  1. Edit {policy}: your time zone, business hours, channel ids, tiers, categories and on-call\n"
          f"     people; then `supportbot check-config {config}` until it says OK.\n"
          f"  2. Create the Slack app from `supportbot manifest --url https://YOUR-HOST` (or --socket-mode) at\n"
          f"     https://api.slack.com/apps, install it, and set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.\n"
          f"  3. Start it with `supportbot serve --config {config}`, then `supportbot doctor --config {config}`\n"
          f"     checks tokens, scopes, channels and the database.")
    return 0
