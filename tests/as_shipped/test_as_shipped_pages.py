"""Every demo login of the README, through the real login form, opens the pages
of its role without a server error, on the database as ``scripts/serve``
builds it.

* Dealers: ``/my`` (and its counters), ``/my/car-orders``, every link of that
  list under ``/my/car-orders`` (filters, sorting, each order, drafts' edit
  pages), each order's printable summary and ``/my/car-orders/new``.
* Staff and admin: the backend (``/odoo``), the messaging the web client
  loads with it, then every menu they see: its action loaded and opened as the
  web client opens it (``get_views``, then the records, groups and progress
  bars of the default view with the action's domain, context and default
  filters, in the user's language), over JSON-RPC.

The portal pages and the menus' names are read as the Persian users read
them: English in them is reported (see ``as_shipped_common.english_words``).
"""

import os
import re
from datetime import date
from urllib.parse import urljoin, urlsplit

from as_shipped_common import (
    DEALERS,
    EXPERTS,
    STAFF,
    AsShippedCase,
    html_text,
    visible_text,
)
from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import dateutil as safe_dateutil
from odoo.tools.safe_eval import safe_eval
from odoo.tools.safe_eval import time as safe_time

# Records the web client reads at once (list, kanban per column, x2many).
LIST_LIMIT, KANBAN_LIMIT, X2MANY_LIMIT, GROUP_LIMIT = 80, 40, 40, 80


@tagged("post_install", "-at_install")
class TestAsShippedPages(AsShippedCase):
    def test_every_login_opens_its_pages_without_a_server_error(self):
        errors = []
        opened = {}
        for login in DEALERS:
            opened[login] = self._walk_portal(login, errors)
        for login in EXPERTS + STAFF:
            opened[login] = self._walk_backend(login, errors)

        print("\nAs shipped: pages (dealers) and menus (staff) opened per login")
        for login, items in opened.items():
            print(f"  {login:10} {len(items)}")
        print(f"  total      {sum(len(items) for items in opened.values())}")
        # The list itself, for whoever wants to know what was walked.
        if os.environ.get("CAR_PORTAL_AS_SHIPPED_LOG"):
            with open(os.environ["CAR_PORTAL_AS_SHIPPED_LOG"], "w") as log:
                for login, items in opened.items():
                    log.write(f"{login} ({len(items)})\n")
                    log.writelines(f"  {item}\n" for item in items)
        self.assertFalse(errors, "server errors:\n" + "\n".join(errors))
        self.assertNoServerError()
        for login, items in opened.items():
            self.assertTrue(items, f"{login} opened nothing")
        self.assertFalse(
            self.english,
            "English in pages read in Persian:\n" + self.english_report(),
        )

    # Dealers ---------------------------------------------------------------

    def _walk_portal(self, login, errors):
        landing = self.login_form(login)
        if landing.status_code != 200 or urlsplit(landing.url).path != "/my":
            errors.append(
                f"{login}: login lands on {landing.url} ({landing.status_code})"
            )
        seen = set()

        def visit(url):
            if url in seen:
                return None
            seen.add(url)
            response = self.url_open(url, timeout=60)
            if response.status_code != 200:
                errors.append(f"{login}: HTTP {response.status_code} on {url}")
                return None
            if "text/html" in response.headers.get("Content-Type", ""):
                self.check_persian(f"{login} {url}", visible_text(response.content))
            return response

        home = visit("/my")
        if home is not None:
            counters = sorted(
                set(re.findall(r'data-placeholder_count="([^"]+)"', home.text))
            )
            result = self.rpc(
                "/my/counters", {"counters": counters}, errors, f"{login}: /my/counters"
            )
            if result is not None:
                seen.add("/my/counters")
                missing = [name for name in counters if name not in result]
                if missing:
                    errors.append(f"{login}: /my/counters lacks {missing}")
        listing = visit("/my/car-orders")
        links = self._links(
            listing.text if listing is not None else "", "/my/car-orders"
        )
        for url in links:
            page = visit(url)
            # The order page links to its printable summary.
            if page is not None and re.fullmatch(
                r"/my/car-orders/\d+", urlsplit(url).path
            ):
                for link in self._links(page.text, url):
                    if "report_type=" in link:
                        visit(link)
        visit("/my/car-orders/new")
        # Each of the dealer's orders has its page, whether linked or not.
        partner = self.env["res.users"].search([("login", "=", login)]).partner_id
        orders = self.env["car.portal.order"].search(
            [("partner_id", "=", partner.commercial_partner_id.id)]
        )
        for order in orders:
            visit(order.access_url)
            if order.state == "draft":
                visit(f"{order.access_url}/edit")
            # The page's conversation, as its script loads it.
            fetched = self.rpc(
                "/mail/thread/messages",
                {"thread_model": order._name, "thread_id": order.id, "limit": 30},
                errors,
                f"{login}: conversation of {order.name}",
            )
            if fetched is not None:
                seen.add(f"{order.access_url}#conversation")
                bodies = [
                    html_text(self._markup(message.get("body")))
                    for message in fetched["data"].get("mail.message", [])
                ]
                self.check_persian(
                    f"{login} {order.access_url} (conversation)", "\n".join(bodies)
                )
        return sorted(seen)

    @staticmethod
    def _markup(value):
        """HTML of the store's value: a string, or ["markup", html]."""
        if isinstance(value, list) and len(value) == 2 and value[0] == "markup":
            return value[1]
        return value or ""

    @staticmethod
    def _links(page_html, base):
        """Links of the page to the dealer's order pages (no POST, no logout)."""
        links = []
        for href in re.findall(r'href="([^"#]+)"', page_html):
            href = href.replace("&amp;", "&")
            url = urljoin(base, href)
            parts = urlsplit(url)
            if parts.netloc or not parts.path.startswith("/my/car-orders"):
                continue
            relative = parts.path + (f"?{parts.query}" if parts.query else "")
            if relative not in links:
                links.append(relative)
        return links

    # Staff -----------------------------------------------------------------

    def _walk_backend(self, login, errors):
        landing = self.login_form(login)
        if landing.status_code != 200 or urlsplit(landing.url).path != "/odoo":
            errors.append(
                f"{login}: login lands on {landing.url} ({landing.status_code})"
            )
            return []
        info = self.rpc(
            "/web/session/get_session_info", {}, errors, f"{login}: session"
        )
        if not info:
            return []
        context = dict(info["user_context"])
        company = info["user_companies"]["current_company"]
        context["allowed_company_ids"] = [company]
        # What the web client fetches when it starts: messaging, activities.
        self.rpc(
            "/mail/action",
            {
                "init_messaging": {},
                "failures": True,
                "systray_get_activities": True,
                "context": context,
            },
            errors,
            f"{login}: messaging",
        )
        response = self.url_open(
            f"/web/webclient/load_menus/{info['cache_hashes']['load_menus']}",
            timeout=60,
        )
        if response.status_code != 200:
            errors.append(f"{login}: HTTP {response.status_code} on load_menus")
            return []
        menus = response.json()
        names = "\n".join(menu["name"] for key, menu in menus.items() if key != "root")
        self.check_persian(f"{login} menus", names)
        opened = ["/odoo", "messaging (/mail/action)"]
        done = set()
        for menu in sorted(
            (m for k, m in menus.items() if k != "root" and m["actionID"]),
            key=lambda m: m["id"],
        ):
            what = f"{login}: menu {self._menu_path(menus, menu)}"
            if (menu["actionModel"], menu["actionID"]) in done:
                continue
            done.add((menu["actionModel"], menu["actionID"]))
            before = len(errors)
            self._open_action(menu["actionID"], context, info["uid"], errors, what)
            if len(errors) == before:
                opened.append(what.split(": menu ", 1)[1])
        return opened

    @staticmethod
    def _menu_path(menus, menu):
        parents = {
            child: key for key, item in menus.items() for child in item["children"]
        }
        path, key = [], str(menu["id"])
        while key in menus and key != "root":
            path.insert(0, menus[key]["name"])
            key = str(parents.get(int(key) if key.isdigit() else key, "root"))
        return " / ".join(path)

    def _open_action(self, action_id, context, uid, errors, what):
        action = self.rpc(
            "/web/action/load",
            {"action_id": action_id, "context": context},
            errors,
            what,
        )
        if not action:
            if action is not None:
                errors.append(f"{what}: the action does not load")
            return
        if action["type"] == "ir.actions.server":
            result = self.rpc(
                "/web/action/run",
                {"action_id": action["id"], "context": context},
                errors,
                what,
            )
            if (
                isinstance(result, dict)
                and result.get("type") == "ir.actions.act_window"
            ):
                self._open_window(result, context, uid, errors, what)
        elif action["type"] == "ir.actions.act_window":
            self._open_window(action, context, uid, errors, what)
        # Client actions and URLs: loading them is what the web client asks
        # of the server before the client code takes over.

    def _eval(self, expression, context, uid):
        if not isinstance(expression, str):
            return expression or ({} if expression is None else expression)
        today = date.today()
        return safe_eval(
            expression,
            {
                "uid": uid,
                "context": context,
                "allowed_company_ids": context.get("allowed_company_ids", []),
                "current_company_id": (context.get("allowed_company_ids") or [False])[
                    0
                ],
                "context_today": lambda: today,
                "datetime": safe_datetime,
                "time": safe_time,
                "relativedelta": safe_dateutil.relativedelta.relativedelta,
                "active_id": False,
                "active_ids": [],
                "active_model": False,
            },
        )

    def _open_window(self, action, user_context, uid, errors, what):
        model = action["res_model"]
        action_context = self._eval(action.get("context") or "{}", user_context, uid)
        context = {**user_context, **action_context}
        domain = list(self._eval(action.get("domain") or "[]", context, uid))
        views = [list(view) for view in action["views"]]
        search_view = action.get("search_view_id")
        search_view = search_view[0] if isinstance(search_view, list) else search_view
        view_context = {
            key: value
            for key, value in context.items()
            if key == "lang" or key.endswith("_view_ref")
        }
        described = self.call_kw(
            model,
            "get_views",
            [],
            {
                "context": view_context,
                "views": [*views, [search_view or False, "search"]],
                "options": {
                    "action_id": action["id"],
                    "load_filters": True,
                    "toolbar": True,
                },
            },
            errors,
            what,
        )
        if not described:
            return
        view_type = "form" if action.get("res_id") else views[0][1]
        search = etree.fromstring(described["views"]["search"]["arch"])
        domain, group_by = self._search_defaults(search, context, uid, domain)
        load = {
            "list": self._load_records,
            "kanban": self._load_records,
            "form": self._load_form,
            "pivot": self._load_report,
            "graph": self._load_report,
            "activity": self._load_activity,
        }.get(view_type)
        if not load:
            errors.append(f"{what}: opens a {view_type} view, not opened by this test")
            return
        view = {
            "model": model,
            "type": view_type,
            "arch": etree.fromstring(described["views"][view_type]["arch"]),
            "fields": described["models"][model]["fields"],
            "models": described["models"],
            "action": action,
            "context": context,
            "domain": domain,
            "group_by": group_by,
            "uid": uid,
        }
        load(
            view,
            lambda method, kwargs, args=(): self.call_kw(
                model, method, list(args), kwargs, errors, what
            ),
        )

    def _search_defaults(self, search, context, uid, domain):
        """The domain and groupings of the search view's default filters
        (``search_default_*`` in the action's context), as the search panel
        applies them when the view opens."""
        group_by = context.get("group_by") or []
        group_by = [group_by] if isinstance(group_by, str) else list(group_by)
        for key, value in context.items():
            if not key.startswith("search_default_") or not value:
                continue
            name = key[len("search_default_") :]
            node = search.find(f".//filter[@name='{name}']")
            if node is not None:
                if node.get("domain"):
                    domain += self._eval(node.get("domain"), context, uid)
                filter_context = self._eval(node.get("context") or "{}", context, uid)
                if filter_context.get("group_by"):
                    group_by.append(filter_context["group_by"])
                if node.get("date"):
                    domain += self._date_filter(node.get("date"), value)
                continue
            node = search.find(f".//field[@name='{name}']")
            if node is not None and node.get("filter_domain"):
                domain += self._eval(
                    node.get("filter_domain"), {**context, "self": value}, uid
                )
            elif node is not None:
                domain.append((name, "=", value))
        return domain, group_by

    def _load_records(self, view, call):
        """A list or a kanban: its records, or its groups (the kanban opens
        its columns and reads their progress bars)."""
        arch, fields = view["arch"], view["fields"]
        specification = self._specification(arch, fields, view["models"])
        order = arch.get("default_order") or ""
        context = {**view["context"], "bin_size": True}
        kanban = view["type"] == "kanban"
        limit = KANBAN_LIMIT if kanban else LIST_LIMIT
        group_by = view["group_by"] or (
            [arch.get("default_group_by")] if arch.get("default_group_by") else []
        )
        read = {"specification": specification, "offset": 0, "order": order}
        if not group_by:
            call(
                "web_search_read",
                {
                    **read,
                    "domain": view["domain"],
                    "limit": limit,
                    "count_limit": 10001,
                    "context": context,
                },
            )
            return
        progress = arch.find(".//progressbar")
        if kanban and progress is not None:
            bar = {
                "field": progress.get("field"),
                "colors": self._eval(progress.get("colors"), context, view["uid"]),
            }
            if progress.get("sum_field"):
                bar["sum_field"] = progress.get("sum_field")
            call(
                "read_progress_bar",
                {
                    "domain": view["domain"],
                    "group_by": group_by[0],
                    "progress_bar": bar,
                    "context": view["context"],
                },
            )
        groups = call(
            "web_read_group",
            {
                "domain": view["domain"],
                "fields": [
                    f"{name}:{fields[name]['aggregator']}"
                    for name in specification
                    if fields.get(name, {}).get("aggregator")
                ],
                "groupby": [group_by[0]],
                "orderby": "",
                "lazy": True,
                "offset": 0,
                "limit": GROUP_LIMIT,
                "context": view["context"],
            },
        )
        # The kanban opens its columns; the list keeps its groups folded.
        for group in (groups or {}).get("groups", []) if kanban else []:
            if not group.get("__fold"):
                call(
                    "web_search_read",
                    {
                        **read,
                        "domain": group["__domain"],
                        "limit": KANBAN_LIMIT,
                        "context": context,
                    },
                )

    def _load_form(self, view, call):
        """A form: its record, or a new one's defaults (settings)."""
        specification = self._specification(
            view["arch"], view["fields"], view["models"]
        )
        res_id = view["action"].get("res_id")
        if res_id:
            call(
                "web_read",
                {
                    "specification": specification,
                    "context": {**view["context"], "bin_size": True},
                },
                args=[[res_id]],
            )
        else:
            call(
                "onchange",
                {"context": view["context"]},
                args=[[], {}, [], specification],
            )

    def _load_report(self, view, call):
        """A pivot or a graph: its groups with its measures."""
        arch, fields = view["arch"], view["fields"]
        rows = [
            node.get("name")
            + (f":{node.get('interval')}" if node.get("interval") else "")
            for node in arch.iter("field")
            if node.get("type") in ("row", "col")
        ] or view["group_by"]
        measures = [
            f"{node.get('name')}:{fields[node.get('name')]['aggregator']}"
            for node in arch.iter("field")
            if node.get("type") == "measure"
            and fields.get(node.get("name"), {}).get("aggregator")
        ]
        pivot = view["type"] == "pivot"
        call(
            "read_group" if pivot else "web_read_group",
            {
                "domain": view["domain"],
                "fields": [*measures, "__count"] if pivot else measures,
                "groupby": rows[:2],
                "lazy": False,
                "context": view["context"],
            },
        )

    def _load_activity(self, view, call):
        call(
            "get_activity_data",
            {
                "res_model": view["model"],
                "domain": view["domain"],
                "context": view["context"],
            },
        )

    @staticmethod
    def _date_filter(field, value):
        # Date filters in search defaults are rare; the default period is the
        # current month.
        today = date.today()
        start = today.replace(day=1)
        return [(field, ">=", str(start)), (field, "<=", str(today))]

    def _specification(self, arch, fields, models):
        """The fields the view shows, as the web client asks for them."""
        specification = {}
        for node in self._own_fields(arch):
            name = node.get("name")
            field = fields.get(name)
            if not field:
                continue
            if field["type"] == "many2one":
                specification[name] = {"fields": {"display_name": {}}}
            elif field["type"] in ("one2many", "many2many"):
                sub = {"display_name": {}}
                subview = next(
                    (child for child in node if child.tag in ("list", "kanban")), None
                )
                related = models.get(field["relation"], {}).get("fields", {})
                if subview is not None and related:
                    sub = self._specification(subview, related, models) or sub
                specification[name] = {"fields": sub, "limit": X2MANY_LIMIT}
            else:
                specification[name] = {}
        return specification

    @staticmethod
    def _own_fields(arch):
        """Field nodes of the view, not of its x2many sub-views."""
        stack = list(arch)
        while stack:
            node = stack.pop(0)
            if node.tag == "field":
                yield node
                continue
            if node.tag in ("list", "kanban", "form") and node is not arch:
                continue
            stack.extend(node)
