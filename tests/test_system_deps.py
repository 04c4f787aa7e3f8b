"""scripts/system-deps never touches a service it did not start (issue #17).

It used to run `systemctl disable --now dovecot` as root after installing, which
stops a school's production Dovecot. The install now runs under a temporary
policy-rc.d that denies starts; these tests run the install helper with a fake
apt-get and systemctl that record what they saw.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELPER = ROOT / "scripts" / "apt-install-quietly"


def fake_tools(folder: Path, record: Path, policy: Path) -> dict[str, str]:
    folder.mkdir()
    (folder / "apt-get").write_text(
        "#!/bin/sh\n"
        f'echo "apt-get $*" >> {record}\n'
        f'if [ -x {policy} ]; then {policy} dovecot start; echo "policy $?" >> {record}; '
        f'else echo "policy none" >> {record}; fi\n'
    )
    (folder / "systemctl").write_text(f'#!/bin/sh\necho "systemctl $*" >> {record}\n')
    for tool in folder.iterdir():
        tool.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}", "POLICY_RC_D": str(policy)}


def test_install_denies_service_starts_then_removes_its_policy(tmp_path: Path) -> None:
    record, policy = tmp_path / "record", tmp_path / "policy-rc.d"
    env = fake_tools(tmp_path / "bin", record, policy)
    subprocess.run([str(HELPER), "dovecot-imapd"], env=env, check=True, timeout=30)
    lines = record.read_text().splitlines()
    assert "apt-get install -y -qq dovecot-imapd" in lines
    assert "policy 101" in lines  # starts were denied during the install
    assert not any(line.startswith("systemctl") for line in lines)
    assert not policy.exists()  # ours, removed afterwards


def test_an_existing_policy_is_left_alone(tmp_path: Path) -> None:
    record, policy = tmp_path / "record", tmp_path / "policy-rc.d"
    policy.write_text("#!/bin/sh\n# the machine's own\nexit 0\n")
    policy.chmod(0o755)
    env = fake_tools(tmp_path / "bin", record, policy)
    subprocess.run([str(HELPER), "dovecot-imapd"], env=env, check=True, timeout=30)
    assert "policy 0" in record.read_text().splitlines()
    assert policy.read_text() == "#!/bin/sh\n# the machine's own\nexit 0\n"


def test_no_script_stops_or_disables_a_service() -> None:
    for script in (ROOT / "scripts").iterdir():
        text = script.read_text()
        assert "systemctl" not in text, script
        assert "service dovecot stop" not in text, script


def test_make_run_installs_the_runtime_only(tmp_path: Path) -> None:
    """`make run` used to install `.[dev]` (227 MB, ~5 min on 2 cores) before the first
    screen; it installs courriel alone, and `make test` adds the test tools."""
    venv = tmp_path / "venv"

    def planned(target: str) -> str:
        done = subprocess.run(
            ["make", "-n", target, f"VENV={venv}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return done.stdout

    run = planned("run")
    assert "pip install -q -e ." in run
    assert "[dev]" not in run and "[test]" not in run
    assert "'.[dev]'" in planned("test")


def test_postfix_is_installed_without_a_configuration_of_its_own() -> None:
    """Debian's postfix asks what mail system to set up; « Internet Site », the
    non-interactive default, writes a main.cf and a Postfix on port 25 at the next
    boot. « No configuration » writes none, and postfix@-.service cannot start without
    it: the tests run their own instances from their own folders (#16)."""
    script = (ROOT / "scripts" / "system-deps").read_text()
    preseed = script.index("postfix postfix/main_mailer_type select No configuration")
    assert preseed < script.index('"$(dirname "$0")/apt-install-quietly"')
    assert "debconf-set-selections" in script
