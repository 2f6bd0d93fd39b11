"""The simulator's state folder (``--state-dir``) and its request log.

A real Sepidar keeps everything in its database, so a client that restarts,
or a simulator that restarts, must find the same books: registered devices
(with their keys), used ArbitraryCodes, tokens, customers, quotations,
invoices and id sequences. With a state folder the simulator writes them after
each change and reads them back at start.

* Snapshots (``devices.json``, ``sessions.json``, ``customers.json``,
  ``quotations.json``, ``invoices.json``) are written whole and atomically: a
  temporary file in the same folder, then ``os.replace``. A killed simulator
  leaves the old or the new version, never half a file.
* ArbitraryCodes (``arbitrary_codes.jsonl``) and the request log
  (``requests.jsonl``) grow with every request: they are appended to, one JSON
  line per entry, since rewriting them whole would cost more at every call the
  longer the simulator runs. A line cut short by a kill is skipped on reading.

No ``fsync``: the folder must survive a killed process, which the OS page
cache already ensures, not a power cut; syncing would slow every call.
"""

import collections
import contextlib
import json
import os
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

SNAPSHOTS = ("devices", "sessions", "customers", "quotations", "invoices")
CODES = "arbitrary_codes"
REQUESTS = "requests"
# In-memory request log bound: enough for the 3 x 500-order chaos run, and a
# long-running demo server does not grow without end (the file keeps all).
MAX_LOGGED = 100_000


class StateStore:
    """JSON files of one state folder."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, name, suffix=".json"):
        return self.directory / f"{name}{suffix}"

    def load(self, name, default=None):
        """A snapshot, or ``default`` when it was never written."""
        try:
            with open(self.path(name), encoding="utf-8") as handle:
                return json.load(handle)
        except FileNotFoundError:
            return default

    def save(self, name, data):
        self._replace(self.path(name), json.dumps(data, ensure_ascii=False, indent=1))

    def append(self, name, record):
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with open(self.path(name, ".jsonl"), "a", encoding="utf-8") as handle:
            handle.write(line)

    def lines(self, name):
        """Records of a ``.jsonl`` file; a torn last line is skipped."""
        try:
            with open(self.path(name, ".jsonl"), encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            return []
        records = []
        for line in text.splitlines():
            with contextlib.suppress(ValueError):
                records.append(json.loads(line))
        return records

    def rewrite_lines(self, name, records):
        """Replace a ``.jsonl`` file at once (when entries are dropped)."""
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        self._replace(self.path(name, ".jsonl"), text)

    def remove(self, *names):
        for name in names:
            for suffix in (".json", ".jsonl"):
                with contextlib.suppress(FileNotFoundError):
                    self.path(name, suffix).unlink()

    def _replace(self, target, text):
        handle, temporary = tempfile.mkstemp(
            dir=self.directory, prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


class RequestLog:
    """What the API was asked, with the deviations noticed (``requests.jsonl``).

    One entry per ``/api/...`` request: ``time`` (UTC), ``method``, ``path``,
    ``status``, ``deviations`` (what a real Sepidar would tolerate but looks
    like a client bug) and ``fault`` (the injected one, if any). Tests assert
    there is no deviation; the control endpoint ``/__sim__/requests`` reads it.
    """

    def __init__(self, store=None):
        self.store = store
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=MAX_LOGGED)
        if store is not None:
            self.entries.extend(store.lines(REQUESTS))

    def record(self, method, path, status, deviations=(), fault=None):
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": method,
            "path": path,
            "status": status,
            "deviations": list(deviations),
            "fault": fault,
        }
        with self.lock:
            self.entries.append(entry)
            if self.store is not None:
                self.store.append(REQUESTS, entry)
        return entry

    def read(self, deviations_only=False):
        with self.lock:
            return [
                dict(entry)
                for entry in self.entries
                if entry["deviations"] or not deviations_only
            ]

    def counts(self):
        """``(entries, entries with deviations)``, without copying the log."""
        with self.lock:
            return len(self.entries), sum(1 for e in self.entries if e["deviations"])

    def clear(self):
        with self.lock:
            count = len(self.entries)
            self.entries.clear()
            if self.store is not None:
                self.store.remove(REQUESTS)
            return count
