"""Tier 1 self-service: the ``knowledge_base`` section (articles, help channels, links)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

from workflows.policy.problems import show
from workflows.policy.values import ChannelId, Section, optional, parse_name

__all__ = ["KnowledgeBase"]


def _parse_folder(value: object) -> str:
    name = parse_name(value)
    if "\0" in name:
        raise ValueError("is not a folder path")
    return name


def _parse_result_count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    raise ValueError(f"{show(value)} is not a number of articles between 1 and 5")


def _parse_web_url(value: object) -> str:
    if isinstance(value, str) and re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value.strip()):
        return value.strip().rstrip("/") + "/"
    raise ValueError(f"{show(value)} is not a web address (like https://help.example.com/articles/)")


class KnowledgeBase(Section):
    """Tier 1 self-service: Markdown articles (front matter: title, tags, category) in
    ``path`` (a relative path is read from the folder of app.yaml itself), searched before a
    ticket is opened. Top-level messages in ``help_channels`` get a threaded answer;
    an answer lists up to ``max_results`` articles. With ``base_url`` an article links
    to ``base_url`` + its slug; without, Slack shows it ("Show article")."""

    path: Annotated[str, BeforeValidator(_parse_folder)] = "kb/"
    help_channels: list[ChannelId] = []
    max_results: Annotated[int, BeforeValidator(_parse_result_count)] = 3
    base_url: Annotated[str | None, BeforeValidator(optional(_parse_web_url))] = None
