"""imapclient without its version lookup.

`imapclient/version.py` asks `importlib.metadata` for its own version when imported:
that loads importlib.metadata, zipfile, csv and an email parser and scans the installed
packages, 2.4 MiB of resident memory (5 % of courriel's, #22) for a string nothing here
reads. The module is given here instead, with the version read from the name of the
package's dist-info directory (PEP 427 names it `<name>-<version>.dist-info`).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types

MODULE = "imapclient.version"


def _installed_version() -> str:
    spec = importlib.util.find_spec("imapclient")
    if spec is None or spec.origin is None:
        return "0.0.0"
    site = os.path.dirname(os.path.dirname(spec.origin))
    try:
        names = os.listdir(site)
    except OSError:
        return "0.0.0"
    for name in names:
        lowered = name.lower()
        if lowered.startswith("imapclient-") and lowered.endswith(".dist-info"):
            return name[len("imapclient-") : -len(".dist-info")]
    return "0.0.0"


def _version_info(version: str) -> tuple[int, int, int, str]:
    parts = [int(part) if part.isdigit() else 0 for part in version.split(".")[:3]]
    major, minor, micro = [*parts, 0, 0, 0][:3]
    return (major, minor, micro, "final")


def install() -> None:
    """Before imapclient is first imported: its version module is this one's answer."""
    if MODULE in sys.modules or "imapclient" in sys.modules:
        return
    module = types.ModuleType(MODULE, __doc__)
    version = _installed_version()
    module.version = version  # type: ignore[attr-defined]
    module.version_info = _version_info(version)  # type: ignore[attr-defined]
    sys.modules[MODULE] = module
