"""Exactly once under faults: 250 approved orders (``CAR_PORTAL_CHAOS_ORDERS``)
posted to the Sepidar simulator while it answers 10 % of the calls with HTTP
500, drops the answer of 5 % of the saved documents, revokes the token every 50
calls, and the Odoo cron process is killed (SIGKILL) once in the middle of a
batch, then started again. Each seed draws other faults, other orders and
another moment to kill the worker. The test command runs one seed with 250
orders (tests/test_two_nodes.py kills a node under the same faults too);
``CAR_PORTAL_CHAOS_SEEDS=2026,7,31337 CAR_PORTAL_CHAOS_ORDERS=500`` runs the
three of bench/RESULTS.md ("Sepidar chaos").

Every order must end up in Sepidar exactly once: the test counts the simulator's
documents and matches them to the outbox by GUID. It needs committed data and a
real process kill, so it builds its own database (see sepidar_harness.py here)
and drops it at the end.
"""

import os
import random
import signal
import threading
import time
from collections import Counter

import pytest
import sepidar_harness as harness

ORDERS = int(os.environ.get("CAR_PORTAL_CHAOS_ORDERS", "250"))
SEEDS = [
    int(seed) for seed in os.environ.get("CAR_PORTAL_CHAOS_SEEDS", "2026").split(",")
]
FAULTS = {
    "error_rate": 0.10,
    "commit_then_drop_rate": 0.05,
    "token_expiry_every_n_calls": 50,
}


class AnswerGate:
    """Holds Sepidar's answer to the ``at``-th saved quotation.

    The quotation is saved in Sepidar, the Odoo worker waits for the answer:
    the worst moment to die. The test kills the worker there.
    """

    def __init__(self, backend, at):
        self.backend = backend
        self.at = at
        self.saved = 0
        self.reached = threading.Event()
        self.release = threading.Event()
        self.held_guid = None
        self._handle = backend.handle
        backend.handle = self.handle

    def handle(self, method, path, query, headers, raw_body):
        reply = self._handle(method, path, query, headers, raw_body)
        if (
            method == "POST"
            and path.lower().rstrip("/").endswith("/quotations")
            and reply.status == 201
        ):
            self.saved += 1
            if self.saved == self.at:
                self.held_guid = reply.body["GUID"]
                self.reached.set()
                self.release.wait(120)
        return reply

    def close(self):
        self.backend.handle = self._handle
        self.release.set()


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


def _kill_point(seed):
    """The saved document whose answer the worker dies waiting for: anywhere
    but the first and last batches, so that there is work before and after."""
    return random.Random(seed).randint(50, ORDERS - 50)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_order_is_posted_exactly_once_despite_faults_and_a_kill(workdir, seed):
    started = time.monotonic()
    conf = harness.odoo_conf(workdir)
    db = harness.unique_db_name("carportal_chaos")
    simulator = harness.simulator_class()("127.0.0.1", 0, seed=seed).start()
    gate = None
    try:
        harness.create_db(conf, db, workdir / "install.log")
        setup = harness.run_child(
            conf,
            db,
            "setup",
            workdir / "setup.log",
            "--url",
            simulator.url,
            "--orders",
            ORDERS,
            "--batch-size",
            25,
            "--full-approvals",  # the rest call the approval's last step directly
            10,
            "--seed",
            seed,
        )
        assert setup["pending"] == ORDERS
        assert simulator.deviations() == [], "registration and set-up"
        simulator.reset()  # counters from here on; device and token are kept
        simulator.configure(**FAULTS)
        kill_at = _kill_point(seed)
        gate = AnswerGate(simulator.backend, kill_at)

        worker = harness.start_child(conf, db, "cron", workdir / "cron-1.log")
        assert gate.reached.wait(300), "the worker never reached the kill point"
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
        assert worker.returncode == -signal.SIGKILL
        gate.close()
        # The dead worker left evidence: the document it sent is "running".
        held = harness.outbox(conf, db)[gate.held_guid]
        assert held[0] == "running", held
        killed_at = simulator.state

        result = harness.run_child(
            conf, db, "cron", workdir / "cron-2.log", "--max-seconds", 240
        )

        state = simulator.state
        rows = harness.outbox(conf, db)
        ledger = simulator.backend.ledger
        guids = Counter(q["GUID"] for q in ledger.quotations.values())
        duplicates = {guid: n for guid, n in guids.items() if n > 1}
        summary = {
            "seed": seed,
            "killed waiting for document": kill_at,
            "orders": ORDERS,
            "documents in the simulator": state["quotations"],
            "duplicates": sum(n - 1 for n in duplicates.values()),
            "faults injected (500, timeouts, dropped answers)": state["faults"],
            "tokens revoked": state["tokens_revoked"],
            "documents when killed": killed_at["quotations"],
            "API calls": state["requests"],
            "second run": result,
            "seconds": round(time.monotonic() - started, 1),
        }
        print(summary)
        assert not duplicates, summary
        assert state["duplicate_quotation_guids"] == 0, summary
        assert state["quotations"] == ORDERS, summary
        assert set(guids) == set(rows), "documents and orders differ"
        assert {row[0] for row in rows.values()} == {"done"}, summary
        by_guid = {q["GUID"]: q["ID"] for q in ledger.quotations.values()}
        assert all(rows[guid][1] == by_guid[guid] for guid in rows)
        # The faults did happen, and the held document was adopted, not resent.
        assert summary["faults injected (500, timeouts, dropped answers)"]["error"]
        assert summary["faults injected (500, timeouts, dropped answers)"]["drop"]
        assert summary["tokens revoked"]
        assert result["attempts"].get("adopted"), result
        # Accepted is not enough: nothing the client sent looked odd either.
        assert simulator.deviations() == [], simulator.deviations()[:5]
    finally:
        if gate:
            gate.close()
        simulator.stop()
        harness.drop_db(conf, db)
