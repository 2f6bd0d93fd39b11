"""Install Odoo 18.0 community into a virtual environment of this repository.

Used by ``scripts/_common.sh`` (``require_odoo``) when the chosen Python cannot
import Odoo 18.0; standard library only, so that it runs on a fresh machine:

    python3 scripts/odoo_install.py --venv .local/odoo-venv --src .local/odoo-src \\
        --source https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz

``--source`` (``CAR_PORTAL_ODOO_SOURCE``) is a folder holding an Odoo 18.0 source
tree (a git checkout or an unpacked archive: its ``.git`` is not copied), a
tarball of one (``.tar.gz``, ``.tgz``, ``.tar``), or a URL of such a tarball
(``https://``, ``http://``, ``file://``). The tree is copied (or unpacked) to
``--src``, its ``requirements.txt`` adapted to this machine (see
``adapt_requirements``), then, with the venv's pip: ``setuptools<70`` and
``wheel``, the requirements with ``--no-build-isolation`` (old pins that do not
build in an isolated modern setuptools), and Odoo itself in editable mode.
The venv is marked complete only at the end: an interrupted install is redone.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

DEFAULT_SOURCE = "https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz"
MARKER = ".car-portal-odoo"
# Pins of Odoo 18.0's requirements.txt that do not build on Python 3.11/3.12,
# and what takes their place (same API, builds with today's compilers).
CBOR2 = "cbor2==5.6.5"
# gevent (the /websocket process of workers mode) loads its plugins through
# pkg_resources, which with setuptools<70 does not find zope.interface >= 7 or
# zope.event >= 5.1 (their metadata folders are named zope_interface-...):
# gevent.monkey.patch_all() fails with DistributionNotFound and the gevent
# process dies at every start. Odoo's requirements do not pin them.
GEVENT_DEPENDENCIES = ("zope.event<5.1", "zope.interface<6.5")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def source_kind(source):
    """``"dir"``, ``"tarball"`` or ``"url"``; ValueError when it is none."""
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https", "file"):
        return "url"
    path = Path(source).expanduser()
    if path.is_dir():
        return "dir"
    if path.is_file() and tarfile.is_tarfile(path):
        return "tarball"
    raise ValueError(
        f"Odoo source {source!r} is neither a folder, a tarball nor an "
        "http(s)/file URL (CAR_PORTAL_ODOO_SOURCE)."
    )


def tree_root(folder):
    """The Odoo tree in ``folder``: itself, or its only subfolder (archives
    from GitHub hold ``odoo-18.0/``)."""
    folder = Path(folder)
    if (folder / "odoo" / "release.py").is_file():
        return folder
    children = [child for child in folder.iterdir() if child.is_dir()]
    if len(children) == 1 and (children[0] / "odoo" / "release.py").is_file():
        return children[0]
    raise ValueError(f"{folder} holds no Odoo source tree (odoo/release.py).")


def tree_version(root):
    """``(major, minor)`` of the Odoo tree at ``root``, read, not imported."""
    text = (Path(root) / "odoo" / "release.py").read_text(encoding="utf-8")
    match = re.search(r"^version_info\s*=\s*\((\d+),\s*(\d+)", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{root}/odoo/release.py has no version_info.")
    return int(match.group(1)), int(match.group(2))


def _name(line):
    match = _REQUIREMENT_NAME.match(line.split("#", 1)[0])
    return match.group(1).lower().replace("_", "-") if match else None


def adapt_requirements(text, ldap_headers=True, pg_config=True):
    """Odoo's ``requirements.txt`` adapted to this machine.

    * ``cbor2``: every pin becomes one ``cbor2==5.6.5`` (the 5.4.x pin of
      Python < 3.12 does not build on 3.11 with current setuptools).
    * ``python-ldap`` needs the OpenLDAP and SASL headers (``libldap2-dev``,
      ``libsasl2-dev``); without them it is left out (only ``auth_ldap`` uses it).
    * ``psycopg2`` needs ``pg_config`` (``libpq-dev``); without it the same
      version of ``psycopg2-binary`` is used.
    * ``zope.event`` and ``zope.interface`` (gevent's) are kept below the
      versions gevent cannot load with ``setuptools<70`` (GEVENT_DEPENDENCIES).
    """
    lines, cbor2_done = [], False
    for line in text.splitlines():
        name = _name(line)
        if name == "cbor2":
            if not cbor2_done:
                lines.append(f"{CBOR2}  # car-portal: builds on Python 3.11/3.12")
                cbor2_done = True
            continue
        if name == "python-ldap" and not ldap_headers:
            lines.append(f"# car-portal: no OpenLDAP headers, left out: {line}")
            continue
        if name == "psycopg2" and not pg_config:
            line = re.sub(r"^\s*psycopg2", "psycopg2-binary", line, count=1)
        lines.append(line)
    lines += [f"{pin}  # car-portal: gevent's plugins" for pin in GEVENT_DEPENDENCIES]
    return "\n".join(lines) + "\n"


def _has_ldap_headers():
    include = Path("/usr/include")
    return (include / "ldap.h").is_file() and (include / "sasl" / "sasl.h").is_file()


def _say(message):
    print(f"[car-portal] {message}", file=sys.stderr, flush=True)


def fetch_source(source, dest):
    """Copy or unpack ``source`` into the new folder ``dest``; returns ``dest``."""
    kind = source_kind(source)
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".odoo-src.", dir=dest.parent))
    try:
        if kind == "dir":
            _say(f"copying the Odoo source from {source}")
            shutil.copytree(
                tree_root(Path(source).expanduser()),
                staging / "tree",
                ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__"),
                symlinks=True,
            )
        else:
            archive = Path(source).expanduser()
            if kind == "url":
                archive = staging / "odoo.tar.gz"
                _say(f"downloading the Odoo source from {source}")
                with (
                    urllib.request.urlopen(source, timeout=120) as answer,
                    open(archive, "wb") as handle,
                ):
                    shutil.copyfileobj(answer, handle)
            _say(f"unpacking {archive}")
            with tarfile.open(archive) as tar:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
                    tar.extractall(staging / "tree", filter="data")
                else:
                    tar.extractall(staging / "tree")
        shutil.move(str(tree_root(staging / "tree")), dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    version = tree_version(dest)
    if version != (18, 0):
        raise ValueError(f"{source} is Odoo {version[0]}.{version[1]}, not 18.0.")
    return dest


def install(venv, src, source, python):
    venv, src = Path(venv).absolute(), Path(src).absolute()
    src.parent.mkdir(parents=True, exist_ok=True)
    fetch_source(source, src)
    requirements = src / "requirements.txt"
    requirements.write_text(
        adapt_requirements(
            requirements.read_text(encoding="utf-8"),
            ldap_headers=_has_ldap_headers(),
            pg_config=bool(shutil.which("pg_config")),
        ),
        encoding="utf-8",
    )
    if venv.exists():
        shutil.rmtree(venv)
    _say(f"creating the virtual environment {venv} ({python})")
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    pip += ["--disable-pip-version-check"]
    env = dict(os.environ, PIP_ROOT_USER_ACTION="ignore")
    _say("installing Odoo's requirements (a few minutes)")
    subprocess.run([*pip, "setuptools<70", "wheel"], check=True, env=env)
    subprocess.run(
        [*pip, "--no-build-isolation", "-r", str(requirements)], check=True, env=env
    )
    subprocess.run(
        [*pip, "--no-build-isolation", "--no-deps", "-e", str(src)],
        check=True,
        env=env,
    )
    (venv / MARKER).write_text(f"{source}\n", encoding="utf-8")
    _say(f"Odoo 18.0 installed in {venv}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--venv", required=True)
    parser.add_argument("--src", required=True)
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    try:
        install(args.venv, args.src, args.source, args.python)
    except (ValueError, OSError, subprocess.CalledProcessError) as error:
        _say(f"installing Odoo 18.0 failed: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
