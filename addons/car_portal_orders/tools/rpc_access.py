# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may call a public model method: one declaration next to the code.

Any logged-in user (dealers included) can call any public method of any model
(a name without a leading underscore) over JSON-RPC: ``/web/dataset/call_kw``
and ``/web/dataset/call_button`` refuse only names starting with ``_``
(``odoo.models.check_method_name``). Buttons hidden by a view's ``groups``
protect nothing. So every public method that the car-portal addons define or
override carries exactly one of these declarations, outermost::

    @allowed_groups("car_portal_orders.group_car_portal_manager")
    def action_cancel(self, reason=None): ...

``allowed_groups(*xmlids)``
    Members of any of the groups (implied groups count) and the superuser run
    the method; anybody else gets an ``AccessError`` naming the method before
    the method does anything (no HTTP call, no write, no ``sudo()``).
``any_user``
    Harmless methods every user runs, e.g. QWeb converters called while a page
    is rendered for a dealer or a visitor. No check.
``superuser_only``
    Methods only Odoo itself calls as superuser (``init()`` at install, data
    files, crons): refused to every user, administrators included, however
    the call comes (RPC refuses the name ``init`` itself; a server action or
    another method does not).
``orm_access``
    Overrides of the ORM's own methods (``create``, ``write``, ``copy_data``,
    ``default_get``...): access rights (``ir.model.access``) and record rules
    decide, as for the method they override. No group check.

"Superuser" is ``env.su`` (``sudo()``: the portal controller calls
``order.sudo()._portal_submit()``, data files, crons running as OdooBot) or
the superuser account itself.

The declaration is kept on the function as ``rpc_access`` (an
:class:`RpcAccess`): ``car_portal_reports/tests/test_rpc_surface.py`` finds
every public method of the three addons in the registry, fails on one
without a declaration, and calls each over JSON-RPC as every role.

Other addons import it as ``odoo.addons.car_portal_orders.tools.rpc_access``.
"""

import functools
from typing import NamedTuple

from odoo.exceptions import AccessError

# Kinds of declaration.
GROUPS = "groups"
ANY_USER = "any_user"
SUPERUSER = "superuser"
ORM = "orm"


class RpcAccess(NamedTuple):
    """Who may call a method: ``kind`` (one of the constants above) and, for
    ``GROUPS``, the XML ids of the groups."""

    kind: str
    groups: tuple = ()


def declared_access(function):
    """The :class:`RpcAccess` declared on ``function``, or None."""
    return getattr(function, "rpc_access", None)


def _declare(function, access):
    if declared_access(function) is not None:
        raise TypeError(f"{function.__qualname__} is declared twice")
    function.rpc_access = access
    return function


def is_superuser(records):
    """Whether ``records`` run as superuser (``sudo()`` or the superuser)."""
    return records.env.su or records.env.user._is_superuser()


def refusal(records, method_name):
    """The ``AccessError`` of a refused call of ``method_name`` on ``records``."""
    return AccessError(
        records.env._(
            "You are not allowed to run %(method)s on %(model)s.",
            method=method_name,
            model=records._name,
        )
    )


def _checked(method, access, allows):
    if declared_access(method) is not None:
        raise TypeError(f"{method.__qualname__} is declared twice")

    @functools.wraps(method)  # keeps Odoo's markers (@api.model...)
    def checked(self, *args, **kwargs):
        if not allows(self):
            raise refusal(self, method.__name__)
        return method(self, *args, **kwargs)

    return _declare(checked, access)


def allowed_groups(*groups):
    """Only the superuser and members of one of ``groups`` (XML ids) may run
    the decorated method; anybody else gets an ``AccessError`` before it runs.
    """
    if not groups or not all(isinstance(g, str) and "." in g for g in groups):
        raise TypeError("allowed_groups() takes group XML ids, e.g. 'base.group_user'")

    def allows(records):
        if is_superuser(records):
            return True
        user = records.env.user
        return any(user.has_group(group) for group in groups)

    def decorate(method):
        return _checked(method, RpcAccess(GROUPS, tuple(groups)), allows)

    return decorate


def superuser_only(method):
    """Only the superuser (Odoo itself: install, data files, crons, ``sudo()``)
    may run the decorated method; every user gets an ``AccessError``."""
    return _checked(method, RpcAccess(SUPERUSER), is_superuser)


def any_user(method):
    """Every user may run the decorated method (no check): keep it for
    harmless methods, such as QWeb converters that render pages for dealers
    and visitors."""
    return _declare(method, RpcAccess(ANY_USER))


def orm_access(method):
    """The decorated method overrides an ORM method (``create``, ``write``,
    ``copy_data``, ``default_get``...): access rights and record rules govern
    it, as they govern the method it overrides. No group check."""
    return _declare(method, RpcAccess(ORM))
