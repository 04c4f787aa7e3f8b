"""The built wheel, installed in a clean venv, finds its themes and translations.

hatchling honours .gitignore and themes/ lives outside the package (PITFALLS.md): this
is the check that a user's `pip install` gets them.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import tui.themes, tui.core.i18n as i18n
names = sorted(tui.themes.load_themes(None).themes)
assert {"courriel-sombre", "courriel-clair", "contraste", "console"} <= set(names), names
assert "site-packages" in str(tui.themes.shipped_dir()), tui.themes.shipped_dir()
mo = i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "courriel.mo"
assert mo.exists(), mo
print("ok")
"""


@pytest.mark.timeout(300)
def test_wheel_ships_themes_and_translations(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=240,
    )
    wheel = next(dist.glob("courriel-*.whl"))
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    # Dependencies from the test venv, as a plain path after the new venv's own
    # site-packages: the wheel's `tui` wins, and the editable install's .pth is not read.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "test-deps.pth").write_text(deps + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
        check=True,
        timeout=240,
    )
    result = subprocess.run(
        [str(python), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.stdout.strip() == "ok", result.stderr
