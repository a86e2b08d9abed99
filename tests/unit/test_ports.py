"""bot/ implements every Protocol of workflows/ports.py with the members and the
arguments the Protocol declares, so a workflow written against the port works with
what the composition root passes it."""

from __future__ import annotations

import inspect
from typing import Any, Protocol

import pytest

from bot.channel_pacer import ChannelPacer
from bot.clock import system_clock
from bot.pagerduty_gateway import PagerDutyGateway
from bot.shared_pacer import SharedChannelPacer
from bot.spare_time import SpareTime
from bot.statuspage_gateway import StatusPageGateway
from bot.telemetry import Telemetry
from workflows import ports

IMPLEMENTATIONS: list[tuple[type, Any]] = [
    (ports.Clock, system_clock),
    (ports.Pager, PagerDutyGateway),
    (ports.SpareTime, SpareTime),
    (ports.PostingBudget, ChannelPacer),
    (ports.PostingBudget, SharedChannelPacer),
    (ports.Telemetry, Telemetry),
    (ports.StatusPage, StatusPageGateway),
]


def _members(protocol: type) -> dict[str, Any]:
    return {name: value for name, value in vars(protocol).items()
            if (not name.startswith("_") or name == "__call__") and (callable(value) or isinstance(value, property))}


def _parameters(function: Any) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(function).parameters.values() if p.name != "self"]


def _signature_problems(where: str, declared: Any, implemented: Any) -> list[str]:
    problems: list[str] = []
    mine = {p.name: p for p in _parameters(implemented)}
    if any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in mine.values()):
        problems.append(f"{where} takes *args/**kwargs: name the arguments the port declares")
    for wanted in _parameters(declared):
        found = mine.get(wanted.name)
        if found is None:
            problems.append(f"{where} has no argument {wanted.name!r}")
        elif (found.kind == found.KEYWORD_ONLY) != (wanted.kind == wanted.KEYWORD_ONLY):
            problems.append(f"{where}: {wanted.name!r} is {found.kind.description}, the port says "
                            f"{wanted.kind.description}")
        elif wanted.default is not inspect.Parameter.empty and found.default is inspect.Parameter.empty:
            problems.append(f"{where}: {wanted.name!r} may be left out by the port's callers")
    declared_names = {p.name for p in _parameters(declared)}
    for extra in mine.values():
        if extra.name not in declared_names and extra.default is inspect.Parameter.empty \
                and extra.kind not in (extra.VAR_KEYWORD, extra.VAR_POSITIONAL):
            problems.append(f"{where} needs {extra.name!r}, which the port's callers do not pass")
    if inspect.iscoroutinefunction(declared) != inspect.iscoroutinefunction(implemented):
        problems.append(f"{where} is {'not ' if inspect.iscoroutinefunction(declared) else ''}a coroutine function "
                        f"{'unlike' if inspect.iscoroutinefunction(declared) else 'but'} the port's")
    return problems


def conformance_problems(protocol: type, implementation: Any) -> list[str]:
    """What ``implementation`` (a class, or a function for a port that is one call) lacks
    of ``protocol``."""
    name = getattr(implementation, "__qualname__", repr(implementation))
    problems: list[str] = []
    for member, declared in _members(protocol).items():
        where = f"{name}.{member}"
        if member == "__call__" and inspect.isfunction(implementation):
            problems += _signature_problems(name, declared, implementation)
            continue
        implemented = inspect.getattr_static(implementation, member, None)
        if implemented is None:
            problems.append(f"{where} is missing")
        elif isinstance(declared, property):
            if not isinstance(implemented, property):
                problems.append(f"{where} should be a property")
        elif not callable(implemented):
            problems.append(f"{where} is not callable")
        else:
            problems += _signature_problems(where, declared, implemented)
    return problems


@pytest.mark.parametrize(("protocol", "implementation"), IMPLEMENTATIONS,
                         ids=[f"{p.__name__}-{getattr(i, '__name__', i)}" for p, i in IMPLEMENTATIONS])
def test_bot_implements_each_port_as_declared(protocol, implementation):
    assert conformance_problems(protocol, implementation) == []


def test_every_port_has_an_implementation_in_bot():
    declared = {value for value in vars(ports).values()
                if isinstance(value, type) and issubclass(value, Protocol) and value is not Protocol}
    assert declared == {protocol for protocol, _ in IMPLEMENTATIONS}


# The checker itself, on made-up implementations.


class _Port(Protocol):
    @property
    def ready(self) -> bool: ...

    async def send(self, action: str, *, key: str, note: str | None = None) -> str: ...


class _Good:
    @property
    def ready(self) -> bool:
        return True

    async def send(self, action: str, *, key: str, note: str | None = None, retries: int = 3) -> str:
        return key


class _Bag:
    ready = True

    async def send(self, action: str, **kwargs: Any) -> str:
        return action


class _Wrong:
    @property
    def ready(self) -> bool:
        return True

    def send(self, action: str, key: str, note: str | None, extra: int) -> str:
        return key


def test_the_checker_accepts_a_wider_implementation():
    assert conformance_problems(_Port, _Good) == []


def test_the_checker_names_what_does_not_match():
    assert conformance_problems(_Port, _Bag) == [
        "_Bag.ready should be a property",
        "_Bag.send takes *args/**kwargs: name the arguments the port declares",
        "_Bag.send has no argument 'key'",
        "_Bag.send has no argument 'note'",
    ]
    assert conformance_problems(_Port, _Wrong) == [
        "_Wrong.send: 'key' is positional or keyword, the port says keyword-only",
        "_Wrong.send: 'note' is positional or keyword, the port says keyword-only",
        "_Wrong.send needs 'extra', which the port's callers do not pass",
        "_Wrong.send is not a coroutine function unlike the port's",
    ]
