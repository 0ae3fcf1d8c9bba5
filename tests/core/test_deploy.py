"""The files under deploy/: systemd units that systemd accepts, an nginx site that nginx accepts."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _require(tool: str) -> str:
    """The tool's path; a skip on a developer machine without it, a failure under CI."""
    path = shutil.which(tool) or next((p for p in (f"/usr/sbin/{tool}", f"/usr/bin/{tool}") if os.path.exists(p)), None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is required under CI (make sysdeps installs it)")
        pytest.skip(f"{tool} is not on this machine")
    return path


def _verify(unit: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    # The units name /opt/pms; verify against this checkout, where .venv/bin/pms exists.
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace("/opt/pms", str(ROOT)))
    return subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)


@pytest.mark.parametrize("name", ["pms-web.service", "pms-scheduler.service"])
def test_systemd_units_verify(name, tmp_path):
    _require("systemd-analyze")
    done = _verify(DEPLOY / name, tmp_path)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_the_verifier_would_catch_a_broken_unit(tmp_path):
    _require("systemd-analyze")
    broken = tmp_path / "src" / "pms-web.service"
    broken.parent.mkdir()
    broken.write_text((DEPLOY / "pms-web.service").read_text().replace("ExecStart=/opt/pms", "ExecStart=opt/pms"))
    assert _verify(broken, tmp_path).returncode != 0


def test_units_run_the_contracts_commands():
    web = (DEPLOY / "pms-web.service").read_text()
    assert "ExecStart=/opt/pms/.venv/bin/pms serve" in web and "ExecReload=/bin/kill -HUP $MAINPID" in web
    assert "ExecStart=/opt/pms/.venv/bin/pms scheduler" in (DEPLOY / "pms-scheduler.service").read_text()
    env = (DEPLOY / "pms.env.example").read_text()
    assert "PMS_ENV=production" in env and "PMS_PROXY_COUNT=1" in env


def test_nginx_site_is_valid(tmp_path):
    nginx = _require("nginx")
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
                    f"http {{ access_log off; include {DEPLOY / 'nginx-pms.conf'}; }}\n")
    done = subprocess.run([nginx, "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_nginx_forwards_what_pms_trusts():
    site = (DEPLOY / "nginx-pms.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site  # overwritten, not appended
    assert "proxy_set_header X-Request-ID $request_id;" in site
    assert "server_tokens off;" in site
