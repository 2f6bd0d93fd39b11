"""Two Odoo nodes on one database: orders go through both, Sepidar posts once.

Two Odoo servers in workers mode (each with an HTTP worker and a cron worker,
as ``CAR_PORTAL_WORKERS`` runs them) share one database and one filestore, as
two machines behind the reverse proxy of README.md's "Production layout" do.
Dealers submit their orders on node A (the portal's form); the expert reviews
and the manager approves on node B (JSON-RPC, as the web client). Every
approval triggers the Sepidar posting cron, which both nodes' cron workers
run at the same moment, while the simulator answers 10 % of the calls with
HTTP 500, drops the answer of 5 % of the saved documents and revokes the token
every 20 calls. Node B is killed (SIGKILL to its master and workers) while
documents are being posted, then started again, and the rest of the orders is
approved on it.

Invariants: every submitted order exists and is approved (none lost), each is
in Sepidar exactly once (the simulator's documents, matched by GUID to the
outbox), no history row is doubled, both nodes' cron workers did post, and
no node logged an error.

Odoo's cron worker sleeps up to a minute between polls unless a trigger due
now wakes it; a document put back for a retry in 1-4 s is due later, so the
test wakes the cron workers (``NOTIFY cron_trigger``) every second while it
waits, as the next approvals on a busy desk would.
"""

import threading
import time
from collections import Counter

import odoo_nodes
import pytest
import sepidar_harness as harness

DEALERS = 4
ORDERS_PER_DEALER = 6  # 24 orders
FAULTS = {
    "error_rate": 0.10,
    "commit_then_drop_rate": 0.05,
    "token_expiry_every_n_calls": 20,
    "latency_ms": 150.0,  # a real server's pace: posting lasts, the kill lands in it
}


class CronWaker(threading.Thread):
    """``NOTIFY cron_trigger`` every second (see the module's docstring)."""

    def __init__(self, conf, db):
        super().__init__(daemon=True)
        self.conf, self.db = conf, db
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(1.0):
            harness.query(self.conf, self.db, "SELECT pg_notify('cron_trigger', %s)",
                          (self.db,))  # fmt: skip


def _wait_posted(conf, db, expected, seconds=240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = harness.outbox(conf, db)
        if len(rows) == expected and {r[0] for r in rows.values()} == {"done"}:
            return rows
        time.sleep(1)
    return harness.outbox(conf, db)


def _unnotified_submissions(conf, db, order_ids, seconds=60):
    """The orders whose submission notices (queued in the dealer's request,
    for Odoo's queue of notifications) the nodes' cron workers have not made
    into notifications yet; waits for none."""
    deadline = time.monotonic() + seconds
    while True:
        rows = harness.query(
            conf,
            db,
            """
            SELECT m.res_id FROM mail_message m
             WHERE m.model = 'car.portal.order' AND m.res_id = ANY(%s)
               AND m.id IN (SELECT mail_message_id FROM mail_message_schedule)
            UNION
            SELECT o.id FROM car_portal_order o
             WHERE o.id = ANY(%s) AND NOT EXISTS (
                   SELECT 1 FROM mail_message m
                     JOIN mail_notification n ON n.mail_message_id = m.id
                    WHERE m.model = 'car.portal.order' AND m.res_id = o.id
                      AND m.message_type = 'comment'
                      AND m.id = (SELECT min(id) FROM mail_message
                                   WHERE model = 'car.portal.order'
                                     AND res_id = o.id
                                     AND message_type = 'comment'))
            """,
            [order_ids, order_ids],
        )
        if not rows or time.monotonic() > deadline:
            return sorted(row[0] for row in rows)
        time.sleep(1)


def _approve_on(node_url, db, users, order_ids):
    """The expert reviews, the manager approves: JSON-RPC on one node."""
    expert = odoo_nodes.Client(node_url).rpc_login(db, users["expert"], users["expert"])
    expert.call("car.portal.order", "write", order_ids, {"expert_opinion": "<p>OK</p>"})
    expert.call("car.portal.order", "action_send_to_process", order_ids)
    manager = odoo_nodes.Client(node_url)
    manager.rpc_login(db, users["manager"], users["manager"])
    for start in range(0, len(order_ids), 4):  # a few approvals at a time
        manager.call("car.portal.order", "action_approve", order_ids[start : start + 4])


@pytest.fixture
def cluster(tmp_path):
    conf = harness.odoo_conf(tmp_path)
    db = harness.unique_db_name("carportal_nodes")
    simulator = harness.simulator_class()("127.0.0.1", 0, seed=19).start()
    nodes = []
    try:
        harness.create_db(conf, db, tmp_path / "install.log")
        harness.run_child(conf, db, "setup", tmp_path / "setup.log", "--url",
                          simulator.url, "--orders", 0, "--batch-size", 5)  # fmt: skip
        users = odoo_nodes.make_users(conf, db, tmp_path / "users.log", DEALERS)
        yield conf, db, simulator, users, nodes, tmp_path
    finally:
        for node in nodes:
            node.stop()
        simulator.stop()
        harness.drop_db(conf, db)


def test_two_nodes_post_each_order_once_through_faults_and_a_node_killed(cluster):
    conf, db, simulator, users, nodes, tmp_path = cluster
    assert simulator.deviations() == [], "registration and set-up"
    simulator.reset()
    simulator.configure(**FAULTS)
    node_a = odoo_nodes.Node(conf, db, tmp_path / "node-a.log")
    node_b = odoo_nodes.Node(conf, db, tmp_path / "node-b.log")
    nodes += [node_a, node_b]
    node_a.start()
    node_b.start()

    # Dealers on node A.
    products, submitted = users["products"], []
    for n, login in enumerate(users["dealers"]):
        dealer = odoo_nodes.Client(node_a.url).portal_login(login, login)
        for k in range(ORDERS_PER_DEALER):
            first, second = (
                products[k % len(products)],
                products[(k + n + 1) % len(products)],
            )
            lines = [(*first, 1 + k), (*second, 2)]
            submitted.append(dealer.submit_order(users["term"], lines, f"{login} {k}"))
    assert len(set(submitted)) == DEALERS * ORDERS_PER_DEALER

    waker = CronWaker(conf, db)
    waker.start()
    try:
        # First half approved on node B; node B dies while they are posted.
        half = len(submitted) // 2
        _approve_on(node_b.url, db, users, submitted[:half])
        deadline = time.monotonic() + 120
        while simulator.state["quotations"] < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        killed_at = dict(simulator.state)
        node_b.kill()
        assert 0 < killed_at["quotations"] < half, killed_at
        # Node A carries on alone; node B comes back and approves the rest.
        node_b.start()
        _approve_on(node_b.url, db, users, submitted[half:])
        rows = _wait_posted(conf, db, len(submitted))
    finally:
        waker.done.set()
        waker.join(10)

    orders = dict(harness.query(conf, db, "SELECT id, state FROM car_portal_order"))
    exports = harness.query(conf, db, "SELECT order_id, guid FROM sepidar_export")
    history = harness.query(conf, db, """
        SELECT order_id, action, stage_id, count(*) FROM car_portal_order_history
         GROUP BY order_id, action, stage_id HAVING count(*) > 1""")  # fmt: skip
    state = simulator.state
    ledger = simulator.backend.ledger
    guids = Counter(q["GUID"] for q in ledger.quotations.values())
    summary = {
        "orders": len(submitted),
        "documents when node B was killed": killed_at["quotations"],
        "documents": state["quotations"],
        "faults": state["faults"],
        "tokens revoked": state["tokens_revoked"],
        "outbox": Counter(row[0] for row in rows.values()),
    }
    print(summary)
    # No order lost, all approved, one outbox row each.
    assert sorted(orders) == sorted(submitted), summary
    assert set(orders.values()) == {"approved"}, summary
    assert sorted(order for order, _guid in exports) == sorted(submitted)
    # Each in Sepidar exactly once.
    assert set(guids) == set(rows), summary
    assert set(guids.values()) == {1}, summary
    assert state["duplicate_quotation_guids"] == 0, summary
    assert {row[0] for row in rows.values()} == {"done"}, summary
    # No history row twice.
    assert history == [], history
    # Each submission's notices notified by a node's cron worker (Odoo's
    # queue of notifications, woken at the dealer's commit).
    assert _unnotified_submissions(conf, db, submitted) == []
    # The faults did happen, and both nodes' cron workers posted.
    assert state["faults"]["error"] and state["tokens_revoked"], summary
    for node in nodes:
        runs = [
            line
            for line in node.logfile.read_text(errors="replace").splitlines()
            if "Sepidar" in line and "starting" in line and "ir_cron" in line
        ]
        assert runs, f"{node.logfile}: its cron worker never ran the posting job"
        assert node.log_lines() == [], node.log_lines()[:5]
    assert simulator.deviations() == [], simulator.deviations()[:5]
