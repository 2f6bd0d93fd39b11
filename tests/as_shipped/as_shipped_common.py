"""Helpers of the as-shipped tests: the demo logins of the README, the real
login form, JSON-RPC as the web client sends it, the English finder for pages
read by Persian users, and screenshots.

Nothing here creates a user or changes a setting: the tests meet the database
exactly as ``scripts/serve`` leaves it (their changes are rolled back).
"""

import base64
import json
import logging
import os
import re
from collections import defaultdict
from pathlib import Path

from lxml import html as lxml_html

from odoo.tests import HttpCase
from odoo.tests.common import ChromeBrowser

# The README's table of demo logins; every password is the login.
DEALERS = [f"dealer{n}" for n in range(1, 7)]
EXPERTS = ["expert1", "expert2", "expert3"]
STAFF = ["manager1", "manager2", "stock1", "finance1", "admin"]
LOGINS = DEALERS + EXPERTS + STAFF

ARTIFACTS = Path(
    os.environ.get("CAR_PORTAL_ARTIFACTS")
    or Path(__file__).resolve().parents[2] / ".local" / "artifacts"
)

# English in a page a Persian user reads ------------------------------------

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# Data, not words of the interface: they are the same in every language.
DATA_PATTERNS = [
    # product codes: VH-1001-WHI, PT-2001, SV-3001
    re.compile(r"\b[A-Z]{2}-\d{4}(?:-[A-Z]{3})?\b"),
    # order numbers: CO/2026/00012
    re.compile(r"\bCO/\d{4}/\d+\b"),
    # e-mail addresses of the demo users and company (dealer1@example.com)
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # web addresses (the company's website, links shown as text)
    re.compile(r"\bhttps?://\S+|\bwww\.[\w.-]+"),
    # province codes in addresses: Odoo's address format for Iran prints the
    # state's code after the city ("رشت GIL"); the demo's provinces
    re.compile(r"(?<![A-Za-z])(?:GIL|MAZ|THR|ISF|FAR|KHZ)(?![A-Za-z])"),
]
# Words allowed in a Persian page, each with the reason. Keep it short: a
# missing translation belongs in the addon's i18n/fa.po, not here.
ALLOWED_WORDS = {
    # Odoo's robot user, a name: it signs what runs by itself (the posting
    # job's "registered in accounting" notice in the order's conversation)
    # and the steps the demo's installer ran (the demo orders' timelines).
    "OdooBot": "name of Odoo's robot user",
}


def english_words(text):
    """The English words of ``text`` that are neither data nor allowed."""
    for pattern in DATA_PATTERNS:
        text = pattern.sub(" ", text)
    return sorted(
        {word for word in ENGLISH_WORD.findall(text) if word not in ALLOWED_WORDS}
    )


def english_lines(text):
    """The lines of ``text`` holding English, for the report."""
    lines = []
    for line in text.splitlines():
        if english_words(line):
            line = " ".join(line.split())
            if line not in lines:
                lines.append(line)
    return lines


def html_text(markup):
    """The text of an HTML fragment (a message's body), blocks on lines."""
    return visible_text(f"<html><body><div>{markup}</div></body></html>")


def visible_text(page_html):
    """The text of a server-rendered page as a reader meets it: the body
    without scripts, styles and templates, plus the placeholders of inputs."""
    if isinstance(page_html, bytes):
        page_html = page_html.decode("utf-8")
    tree = lxml_html.fromstring(page_html)
    body = tree.find("body")
    body = tree if body is None else body
    for element in body.xpath("//script | //style | //template | //noscript"):
        element.drop_tree()
    # Lines and blocks end where the browser ends them.
    for element in body.iter(
        "br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3"
    ):
        element.tail = "\n" + (element.tail or "")
    placeholders = body.xpath("//input/@placeholder | //textarea/@placeholder")
    return "\n".join([body.text_content(), *placeholders])


class PageTexts:
    """What the tours send back: ``console.log("car-portal-page-text " +
    JSON.stringify({page, text}))`` in a tour step, captured from the browser's
    log of the test (see ``AsShippedCase._capture_page_texts``)."""

    PREFIX = "car-portal-page-text "

    def __init__(self):
        self.pages = []

    def filter(self, record):
        message = record.getMessage()
        if self.PREFIX in message:
            payload = message[message.index(self.PREFIX) + len(self.PREFIX) :]
            self.pages.append(json.loads(payload))
            return False
        return record.levelno >= logging.WARNING


class AsShippedCase(HttpCase):
    """An HTTP test case on the as-shipped database, logging in through the
    real login form."""

    browser_size = "1366x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.english = defaultdict(list)  # page -> English lines
        cls.pages_checked = []

    def setUp(self):
        super().setUp()
        # Server errors logged while the test runs (a request that failed in
        # a way the page or the tour did not show) fail it too.
        self.server_errors = []
        handler = logging.Handler(logging.ERROR)
        handler.emit = lambda record: self.server_errors.append(
            f"{record.name}: {record.getMessage()}"
        )
        server = logging.getLogger("odoo")
        server.addHandler(handler)
        self.addCleanup(server.removeHandler, handler)

    def assertNoServerError(self):
        self.assertFalse(
            self.server_errors,
            "server errors were logged:\n" + "\n".join(self.server_errors),
        )

    # Logging in -------------------------------------------------------------

    def login_form(self, login, password=None):
        """Log in through ``/web/login`` as a browser does: the form's CSRF
        token, the login and password posted, the redirect followed. Returns
        the landing response."""
        self.opener.cookies.clear()
        self.session = None
        page = self.url_open("/web/login", timeout=60)
        self.assertEqual(page.status_code, 200, "the login page does not load")
        token = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
        self.assertTrue(token, "no CSRF token in the login form")
        response = self.url_open(
            "/web/login",
            data={
                "login": login,
                "password": password or login,
                "csrf_token": token[1],
                "redirect": "",
            },
            timeout=60,
        )
        self.assertNotIn(
            "oe_login_form",
            response.text if response.status_code == 200 else "",
            f"{login} could not log in: {response.url}",
        )
        return response

    # JSON-RPC as the web client sends it ----------------------------------

    def rpc(self, route, params, errors, what):
        """POST a JSON-RPC call; a server error (HTTP status or JSON-RPC error)
        is added to ``errors`` with ``what`` and returns None."""
        response = self.url_open(
            route,
            data=json.dumps(
                {"id": 1, "jsonrpc": "2.0", "method": "call", "params": params}
            ),
            headers={"Content-Type": "application/json"},
            timeout=120,
        )
        if response.status_code != 200:
            errors.append(f"{what}: HTTP {response.status_code} on {route}")
            return None
        body = response.json()
        if "error" in body:
            data = body["error"].get("data") or {}
            errors.append(
                f"{what}: {data.get('name', '')}: "
                f"{data.get('message') or body['error'].get('message')}"
            )
            return None
        return body["result"]

    def call_kw(self, model, method, args, kwargs, errors, what):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
            errors,
            what,
        )

    # English in Persian pages ---------------------------------------------

    def check_persian(self, page, text):
        """Record the English lines of ``text``, read on ``page``."""
        self.pages_checked.append(page)
        lines = english_lines(text)
        if lines:
            self.english[page].extend(
                line for line in lines if line not in self.english[page]
            )

    def english_report(self):
        return "\n".join(
            f"  {page}:\n" + "\n".join(f"    {line}" for line in lines)
            for page, lines in self.english.items()
        )

    def _capture_page_texts(self):
        """Capture the page texts the tours of this test send back."""
        texts = PageTexts()
        logger = self._logger.getChild("browser")
        level = logger.level
        logger.setLevel(logging.INFO)
        logger.addFilter(texts.filter)

        def restore():
            logger.removeFilter(texts.filter)
            logger.setLevel(level)

        self.addCleanup(restore)
        return texts

    def tour(self, url, name, login, params=None, texts=None):
        """Run the tour ``name`` from ``url`` as ``login`` (password = login).
        ``params`` reach the tour's steps through ``sessionStorage``; the page
        texts its steps send back are checked for English."""
        options = {"stepDelay": 0, "keepWatchBrowser": False, "debug": False}
        options["startUrl"] = url
        code = (
            "sessionStorage.setItem('car_portal_as_shipped', "
            f"{json.dumps(json.dumps(params or {}))}); "
            f"odoo.startTour({name!r}, {json.dumps(options)})"
        )
        before = len(texts.pages) if texts else 0
        self.start_tour(url, name, login=login, code=code, timeout=240)
        if texts:
            for page in texts.pages[before:]:
                self.check_persian(f"{login}: {page['page']}", page["text"])

    # Screenshots ----------------------------------------------------------

    def screenshot(self, login, url, name, ready):
        """Open ``url`` as ``login`` in headless Chromium and save a PNG of
        the whole page to ``.local/artifacts/as_shipped_<name>.png``."""
        browser = ChromeBrowser(self)
        try:
            self.authenticate(login, login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser.navigate_to(f"{self.base_url()}{url}", wait_stop=True)
            self.assertTrue(
                browser._wait_ready(
                    f"""document.readyState === 'complete'
                    && !!document.querySelector({ready!r})
                    && new Promise((resolve) => setTimeout(() => resolve(1), 1500))
                        .then(() => true)""",
                    timeout=120,
                ),
                f"{url} did not load for {login}",
            )
            metrics = browser._websocket_request("Page.getLayoutMetrics")
            height = (metrics.get("cssContentSize") or metrics["contentSize"])["height"]
            width = int(re.split(r"[x,]", self.browser_size)[0])
            browser._websocket_request(
                "Emulation.setDeviceMetricsOverride",
                params={
                    "width": width,
                    "height": max(600, min(int(height), 4000)),
                    "deviceScaleFactor": 1,
                    "mobile": False,
                },
            )
            shot = browser._websocket_request(
                "Page.captureScreenshot", params={"format": "png"}, timeout=60
            )
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            path = ARTIFACTS / f"as_shipped_{name}.png"
            path.write_bytes(base64.b64decode(shot["data"]))
        finally:
            browser.stop()
            self._wait_remaining_requests()
        self.assertEqual(path.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        return path
