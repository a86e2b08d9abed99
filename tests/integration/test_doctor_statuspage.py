"""`supportbot doctor` checks the status page key when `statuspage` is in app.yaml
(`GET /v1/pages/{page_id}` on the fake Statuspage; nothing published)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import yaml

from bot.doctor_statuspage import check_statuspage
from tests.conftest import REPO_ROOT, make_settings
from tests.fakes.statuspage import FakeStatuspage
from workflows.policy.loader import parse_config


@pytest.fixture
async def statuspage() -> AsyncIterator[FakeStatuspage]:
    async with FakeStatuspage() as fake:
        yield fake


def _config(page_id: str | None):
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    if page_id is not None:
        data["statuspage"] = {"page_id": page_id}
    return parse_config(data)


def _lines(results) -> list[str]:
    return [r.line() for r in results]


def _settings(statuspage: FakeStatuspage, **overrides):
    values = {"statuspage_api_key": statuspage.api_key, "statuspage_api_url": statuspage.url, **overrides}
    return make_settings("sqlite+aiosqlite:///unused.db", "http://127.0.0.1:9/api/", **values)


async def test_an_accepted_key_and_a_known_page(statuspage):
    [line] = _lines(await check_statuspage(_settings(statuspage), _config(statuspage.page_id)))
    assert line.startswith(f"✓ STATUSPAGE_API_KEY accepted: page Acme Status ({statuspage.page_id})")
    assert [(c.method, c.path) for c in statuspage.calls] == [("GET", f"/v1/pages/{statuspage.page_id}")]
    assert statuspage.calls[0].headers["Authorization"] == f"OAuth {statuspage.api_key}"


async def test_a_refused_key_an_unknown_page_a_missing_key_and_an_unreachable_api(statuspage):
    [refused] = _lines(await check_statuspage(_settings(statuspage, statuspage_api_key="wrong"),
                                              _config(statuspage.page_id)))
    assert refused.startswith("✗ STATUSPAGE_API_KEY refused by Statuspage (401)") and "API info" in refused
    [unknown] = _lines(await check_statuspage(_settings(statuspage), _config("nosuchpage")))
    assert unknown.startswith("✗ statuspage.page_id nosuchpage not found with this key")
    [missing] = _lines(await check_statuspage(_settings(statuspage, statuspage_api_key=None),
                                              _config(statuspage.page_id)))
    assert missing.startswith("✗ statuspage is set in app.yaml but STATUSPAGE_API_KEY is not")
    [down] = _lines(await check_statuspage(_settings(statuspage, statuspage_api_url="http://127.0.0.1:9"),
                                           _config(statuspage.page_id)))
    assert down.startswith("✗ Statuspage API at http://127.0.0.1:9 failed")


async def test_without_statuspage_nothing_is_said_unless_a_key_is_set(statuspage):
    assert await check_statuspage(_settings(statuspage, statuspage_api_key=None), _config(None)) == []
    [stray] = _lines(await check_statuspage(_settings(statuspage), _config(None)))
    assert stray.startswith("✗ STATUSPAGE_API_KEY is set but app.yaml has no statuspage section")
    assert statuspage.calls == []
