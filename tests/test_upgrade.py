"""An upgrade from the previous version keeps every order, line and history row.

The previous version is the newest commit whose ``car_portal_orders`` manifest
has another version than the working tree's. Its three addons are taken out
of git (``git archive``) into a temporary folder and installed, with their
demo data, in a throw-away database; then the addons of the working tree
update that database (``-u``, the migration scripts run) and the test checks,
row by row, that nothing was lost and that the renamed models read the same
rows. It needs the repository's history (a clone, not a shallow copy).
"""

import configparser
import subprocess
import tarfile
import uuid
from io import BytesIO
from pathlib import Path

import pytest
import sepidar_harness as harness

REPO = Path(__file__).resolve().parents[1]
MANIFEST = "addons/car_portal_orders/__manifest__.py"
ADDONS = "car_portal_orders,car_portal_sepidar,car_portal_reports"
# What must survive, read with SQL on each side: (label, old query, new query).
ORDERS = "SELECT id, name, state, partner_id, requested_qty FROM car_portal_order"
LINES = "SELECT id, order_id, product_id, requested_qty FROM car_portal_order_line"
HISTORY = "SELECT id, order_id, action, stage_name, user_id, reason, date FROM %s"
LEAVES = "SELECT id, user_id, substitute_id, date_from, date_to FROM %s"
POSTINGS = "SELECT id, order_id, guid, state FROM sepidar_export"
ROWS = [
    ("orders", ORDERS, ORDERS),
    ("lines", LINES, LINES),
    (
        "history",
        HISTORY % "car_portal_order_approval",
        HISTORY % "car_portal_order_history",
    ),
    (
        "leaves",
        LEAVES % "car_portal_expert_substitute",
        LEAVES % "car_portal_expert_leave",
    ),
    ("postings", POSTINGS, POSTINGS),
]


def _git(*args, binary=False):
    result = subprocess.run(
        ["git", "-C", str(REPO), *args],
        check=True,
        capture_output=True,
        text=not binary,
    )
    return result.stdout


def _version(text):
    manifest = eval(text, {})  # our own manifest: a dict literal
    return manifest["version"]


def previous_version_commit():
    """The newest commit whose orders manifest has another version."""
    current = _version((REPO / MANIFEST).read_text())
    for commit in _git("log", "--format=%H", "--", MANIFEST).split():
        if _version(_git("show", f"{commit}:{MANIFEST}")) != current:
            return commit
    pytest.fail(
        f"no commit with a version other than {current} in the history of "
        f"{MANIFEST}: a shallow clone? (git fetch --unshallow)"
    )


def _odoo_addons(conf):
    parser = configparser.ConfigParser()
    parser.read(conf)
    paths = parser["options"]["addons_path"].split(",")
    ours = str((REPO / "addons").resolve())
    return [p for p in paths if str(Path(p).resolve()) != ours]


def _run_odoo(conf, addons_path, *args, logfile):
    command = harness.odoo_command(
        conf,
        f"--addons-path={','.join(addons_path)}",
        *args,
        "--stop-after-init",
        "--log-level=info",
        f"--logfile={logfile}",
    )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    log = Path(logfile).read_text() if Path(logfile).exists() else ""
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{log[-4000:]}"
    problems = [
        line
        for line in log.splitlines()
        if (" WARNING " in line or " ERROR " in line or " CRITICAL " in line)
        and "car_portal" in line
    ]
    assert not problems, "the log holds warnings or errors:\n" + "\n".join(problems)
    return log


@pytest.fixture
def old_tree(tmp_path):
    commit = previous_version_commit()
    archive = _git("archive", "--format=tar", commit, "addons", binary=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(tmp_path / "old", filter="data")
    return commit, tmp_path / "old" / "addons"


def test_upgrade_keeps_every_row(old_tree, tmp_path):
    commit, old_addons = old_tree
    conf = harness.odoo_conf(tmp_path)
    odoo_addons = _odoo_addons(conf)
    db = f"carportal_upgrade_{uuid.uuid4().hex[:8]}"
    try:
        _run_odoo(
            conf,
            [str(old_addons), *odoo_addons],
            "-d",
            db,
            "-i",
            ADDONS,
            logfile=tmp_path / "install.log",
        )
        before = {label: harness.query(conf, db, old) for label, old, _new in ROWS}
        refused = harness.query(
            conf,
            db,
            "SELECT count(*) FROM car_portal_order_line l JOIN car_portal_order o"
            " ON o.id = l.order_id WHERE o.state IN ('rejected', 'cancel')",
        )[0][0]
        sources = "SELECT DISTINCT price_source FROM sepidar_backend"
        assert harness.query(conf, db, sources) == [("pricelist_then_odoo",)]
        log = _run_odoo(
            conf,
            [str(REPO / "addons"), *odoo_addons],
            "-d",
            db,
            "-u",
            ADDONS,
            logfile=tmp_path / "upgrade.log",
        )
        after = {label: harness.query(conf, db, new) for label, _old, new in ROWS}
        for label, rows in before.items():
            assert rows or label == "postings", f"the demo has no {label}"
            assert sorted(after[label]) == sorted(rows), f"{label} changed"
        _check_renamed(conf, db, refused)
        # The silent fallback to the Odoo price was a default, not a choice.
        assert harness.query(conf, db, sources) == [("pricelist",)]
        print(
            f"\nUpgrade from {commit[:10]}: "
            + ", ".join(f"{len(rows)} {label}" for label, rows in before.items())
            + f" kept; {log.count('running migration script')} migration steps"
        )
    finally:
        harness.drop_db(conf, db)


def _check_renamed(conf, db, refused_lines):
    """The renamed models and fields are the same records, nothing is left
    under the old names, and refused orders supply nothing."""
    models = dict(harness.query(conf, db, "SELECT model, id FROM ir_model"))
    assert "car.portal.order.history" in models
    assert "car.portal.expert.leave" in models
    assert "car.portal.order.approval" not in models
    assert "car.portal.expert.substitute" not in models
    for table in ("car_portal_order_approval", "car_portal_expert_substitute"):
        assert not harness.query(
            conf, db, "SELECT 1 FROM pg_class WHERE relname = %s", [table]
        )
    fields = harness.query(
        conf,
        db,
        "SELECT model, name FROM ir_model_fields WHERE name IN "
        "('approval_ids', 'history_ids', 'car_portal_absence_ids',"
        " 'car_portal_leave_ids')",
    )
    assert sorted(fields) == [
        ("car.portal.order", "history_ids"),
        ("res.users", "car_portal_leave_ids"),
    ]
    xmlids = dict(
        harness.query(
            conf,
            db,
            "SELECT name, res_id FROM ir_model_data WHERE module = 'car_portal_orders'"
            " AND (name LIKE '%%substitute%%' OR name LIKE '%%order_approval%%'"
            " OR name LIKE 'car_portal_expert_leave_%%')",
        )
    )
    assert "car_portal_expert_leave_action" in xmlids
    stale = [
        name
        for name in xmlids
        if "car_portal_expert_substitute" in name or "car_portal_order_approval" in name
    ]
    assert not stale, stale
    for table, column in (("ir_rule", "domain_force"), ("ir_act_window", "domain")):
        stale = harness.query(
            conf,
            db,
            f"SELECT id FROM {table} WHERE {column} ~ "
            "'approval_ids|car_portal_absence_ids'",
        )
        assert not stale, f"{table} still names a renamed field: {stale}"
    supplied = harness.query(
        conf,
        db,
        "SELECT count(*), coalesce(sum(l.supplied_qty), 0),"
        " coalesce(sum(l.discrepancy_qty - l.requested_qty), 0)"
        " FROM car_portal_order_line l JOIN car_portal_order o ON o.id = l.order_id"
        " WHERE o.state IN ('rejected', 'cancel')",
    )[0]
    assert supplied == (refused_lines, 0, 0), supplied
