"""The account's one contract (issue #15): typed Commands in, one Message per Event out."""

from __future__ import annotations

import ast
from pathlib import Path

from tui.account_events import AccountEvents
from tui.bridge import AccountEvent, carry, message_type
from tui.core.account import contract

ROOT = Path(__file__).resolve().parent.parent
# Events the UI has nothing to do with: the worker's own end.
UNHANDLED = {contract.Stopped}


def subscribed() -> set[type[contract.Event]]:
    handlers = AccountEvents.__dict__["_decorated_handlers"]
    return {
        event_type
        for event_type in contract.Event.__subclasses__()
        if message_type(event_type) in handlers
    }


def test_every_event_has_its_own_message_and_a_handler() -> None:
    events = set(contract.Event.__subclasses__())
    assert len({message_type(e) for e in events}) == len(events)
    assert subscribed() == events - UNHANDLED


def test_an_event_is_carried_in_the_message_made_for_its_class() -> None:
    event = contract.BodyReady("INBOX", 7, None)
    message = carry(event)
    assert isinstance(message, AccountEvent) and message.event is event
    assert type(message) is message_type(contract.BodyReady)
    assert message.handler_name == "on_account_body_ready"


def test_a_subclass_of_an_event_travels_as_its_event() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Louder(contract.Notice):
        pass

    assert type(carry(Louder("x"))) is message_type(contract.Notice)


def test_commands_and_events_are_declared_only_in_the_contract() -> None:
    """No module but the contract subclasses Command or Event, except the worker's own
    steps (tui/core/account/steps.py: never submitted by the app), and no request is a
    (kind, fields) string tuple any more."""
    declared: list[str] = []
    own = {ROOT / "tui/core/account/contract.py", ROOT / "tui/core/account/steps.py"}
    for path in (ROOT / "tui").rglob("*.py"):
        if path in own:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                if bases & {"Command", "Event"}:
                    declared.append(f"{path.name}:{node.name}")
    assert declared == []


def test_the_account_asks_with_commands(tmp_path: Path) -> None:
    from tui.account import Account
    from tui.config import Config, defaults
    from tui.core.store.cache import Cache

    asked: list[object] = []
    cache = Cache.open(tmp_path / "c.sqlite3", durable_path=tmp_path / "d.sqlite3")
    account = Account(Config(tmp_path / "c.toml", defaults()), cache, request=asked.append)
    account.sync_now()
    account.sync_folder("INBOX")
    account.fetch_body("INBOX", 3)
    account.search_server("INBOX", "réunion")
    account.replay_later()
    cache.close()
    assert asked == [
        contract.SyncAll(thorough=True),
        contract.SyncFolder("INBOX"),
        contract.FetchBody("INBOX", 3),
        contract.SearchServer("INBOX", "réunion"),
        contract.ReplayLater(),
    ]


def test_the_architecture_document_lists_every_command_and_event() -> None:
    """docs/architecture.md's contract table is the map contributors read first."""
    import dataclasses
    import inspect
    import re

    from tui.core.account import contract

    doc = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text()
    rows = set(re.findall(r"^\s*\| `(\w+)` \|", doc, re.MULTILINE))
    declared = {
        name
        for name, cls in inspect.getmembers(contract, inspect.isclass)
        if cls.__module__ == contract.__name__
        and dataclasses.is_dataclass(cls)
        and cls not in (contract.Command, contract.Event)
    }
    assert declared - rows == set()
    assert rows & {"Command", "Event"} == set()
