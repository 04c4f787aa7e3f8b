"""`tui.core` never imports textual or rich: it must run headless, in `doctor` and in tests."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import tui.core

# Every module of every sub-package (store, mail, net, account, diagnose) and the loose ones.
CORE_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(tui.core.__path__, "tui.core.") if not info.ispkg
)


def test_core_has_modules() -> None:
    assert {"tui.core.errors", "tui.core.store.cache", "tui.core.net.imap"} <= set(CORE_MODULES)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_textual(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"


def test_core_never_imports_the_ui_layers() -> None:
    """Not even lazily inside a function: core is the bottom layer (DESIGN.md). It may
    read the academy's preset, which is plain data."""
    import ast
    from pathlib import Path

    offenders = []
    for path in Path(tui.core.__path__[0]).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [
                f"{path.relative_to(Path(tui.core.__path__[0]))}: {name}"
                for name in names
                if name.startswith("tui.") and not name.startswith(("tui.core", "tui.presets"))
            ]
    assert offenders == []


def test_imapclient_private_calls_stay_in_one_module() -> None:
    """imapclient's private methods (pinned to the minor version they were checked
    against) are called from tui/core/net/imapprivate.py only (issue #15)."""
    import re
    from pathlib import Path

    private = re.compile(
        r"\._(imap|simple_command|command|command_complete|untagged_response|"
        r"raw_command_untagged|raw_command|checkok)\b"
    )
    root = Path(tui.core.__path__[0])
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "imapprivate.py"
        and "managesieve" not in path.name  # its own _command, not imapclient's
        and private.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
