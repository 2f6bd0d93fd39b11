"""The fresh-machine install of Odoo 18.0 (scripts/odoo_install.py, require_odoo).

Cheap checks of the logic (where the source comes from, what the requirements
become, what require_odoo does without Odoo); the full install (a venv, Odoo's
requirements, a few minutes) is shown in README.md ("Odoo 18.0"), not run here.
"""

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import odoo_install

RELEASE = "version_info = (18, 0, 0, FINAL, 0, '')\n"
# The lines of Odoo 18.0's requirements.txt this touches, as GitHub ships them.
REQUIREMENTS = """\
# The officially supported versions of the following packages are their
cbor2==5.4.2 ; python_version < '3.12'
cbor2==5.6.2 ; python_version >= '3.12'
geoip2==2.9.0
psycopg2==2.9.5 ; python_version == '3.11'
python-ldap==3.4.0 ; sys_platform != 'win32' and python_version < '3.12'
pytz  # no version pinning to avoid OS perturbations
"""


def _tree(root, release=RELEASE):
    (root / "odoo").mkdir(parents=True)
    (root / "odoo" / "release.py").write_text(release)
    (root / "requirements.txt").write_text(REQUIREMENTS)
    (root / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    return root


def _tarball(path, top="odoo-18.0", release=RELEASE):
    with tarfile.open(path, "w:gz") as tar:
        for name, text in (("odoo/release.py", release), ("odoo-bin", "")):
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_source_kinds(tmp_path):
    tree = _tree(tmp_path / "src")
    tarball = _tarball(tmp_path / "odoo.tar.gz")
    assert odoo_install.source_kind(str(tree)) == "dir"
    assert odoo_install.source_kind(str(tarball)) == "tarball"
    assert odoo_install.source_kind(odoo_install.DEFAULT_SOURCE) == "url"
    assert odoo_install.source_kind(f"file://{tarball}") == "url"
    (tmp_path / "notes.txt").write_text("not an archive")
    for wrong in (tmp_path / "notes.txt", tmp_path / "missing", "ftp://host/odoo.tgz"):
        with pytest.raises(ValueError, match="CAR_PORTAL_ODOO_SOURCE"):
            odoo_install.source_kind(str(wrong))


def test_requirements_adapted_to_python_311_and_312():
    adapted = odoo_install.adapt_requirements(
        REQUIREMENTS, ldap_headers=False, pg_config=False
    )
    lines = [line for line in adapted.splitlines() if not line.startswith("#")]
    assert [line for line in lines if "cbor2" in line] == [
        "cbor2==5.6.5  # car-portal: builds on Python 3.11/3.12"
    ]
    assert not [line for line in lines if "ldap" in line]
    assert "psycopg2-binary==2.9.5 ; python_version == '3.11'" in lines
    assert "geoip2==2.9.0" in lines
    assert lines[-3].startswith("pytz")
    assert [line.split()[0] for line in lines[-2:]] == [
        "zope.event<5.1",
        "zope.interface<6.5",
    ]
    kept = odoo_install.adapt_requirements(REQUIREMENTS)
    assert "python-ldap==3.4.0 ; sys_platform" in kept
    assert "\npsycopg2==2.9.5" in kept
    assert kept.count("cbor2") == 1


def test_fetch_from_a_folder_leaves_git_behind(tmp_path):
    tree = _tree(tmp_path / "odoo18")
    (tree / ".git").mkdir()
    (tree / ".git" / "HEAD").write_text("ref: refs/heads/18.0\n")
    dest = odoo_install.fetch_source(str(tree), tmp_path / "local" / "odoo-src")
    assert (dest / "odoo" / "release.py").read_text() == RELEASE
    assert (dest / "requirements.txt").is_file()
    assert not (dest / ".git").exists()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["odoo-src"]


def test_fetch_from_a_github_tarball_and_a_file_url(tmp_path):
    tarball = _tarball(tmp_path / "18.0.tar.gz")
    for n, source in enumerate((str(tarball), tarball.as_uri())):
        dest = odoo_install.fetch_source(source, tmp_path / f"src{n}")
        assert (dest / "odoo" / "release.py").read_text() == RELEASE
        assert (dest / "odoo-bin").is_file()


def test_another_version_is_refused(tmp_path):
    tarball = _tarball(tmp_path / "17.tar.gz", release="version_info = (17, 0)\n")
    with pytest.raises(ValueError, match="Odoo 17.0, not 18.0"):
        odoo_install.fetch_source(str(tarball), tmp_path / "src")


def test_require_odoo_without_odoo_and_without_install_says_how(tmp_path):
    """A Python without Odoo and CAR_PORTAL_ODOO_INSTALL=0: stops with the way
    out, installs nothing."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    result = subprocess.run(
        ["bash", "-c", f"source {REPO}/scripts/_common.sh; require_odoo"],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHON": str(venv / "bin" / "python"),
            "CAR_PORTAL_ODOO_INSTALL": "0",
            "CAR_PORTAL_ODOO_VENV": str(tmp_path / "odoo-venv"),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result
    assert "Odoo 18.0 is not importable by" in result.stderr
    assert "unset CAR_PORTAL_ODOO_INSTALL" in result.stderr
    assert not (tmp_path / "odoo-venv").exists()
