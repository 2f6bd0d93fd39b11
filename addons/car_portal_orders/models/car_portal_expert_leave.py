# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CarPortalExpertLeave(models.Model):
    """An expert's leave: during [date_from, date_to] a colleague takes over.

    Referral sends new orders to the substitute, and the substitute sees the
    absent expert's orders (record rule on ``is_current``).
    """

    _name = "car.portal.expert.leave"
    _description = "Expert Leave"
    _order = "date_from desc, id desc"
    _rec_name = "user_id"

    user_id = fields.Many2one(
        "res.users",
        string="Expert",
        required=True,
        ondelete="cascade",
        index=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    substitute_id = fields.Many2one(
        "res.users",
        required=True,
        ondelete="cascade",
        domain=[("share", "=", False)],
    )
    date_from = fields.Date(required=True, default=fields.Date.context_today)
    date_to = fields.Date(required=True)
    note = fields.Char()
    active = fields.Boolean(default=True)
    is_current = fields.Boolean(
        compute="_compute_is_current",
        search="_search_is_current",
        help="The leave covers today.",
    )

    _sql_constraints = [
        (
            "dates_ordered",
            "CHECK(date_from <= date_to)",
            "The leave must end on or after the day it starts.",
        ),
        (
            "not_self",
            "CHECK(user_id != substitute_id)",
            "An expert cannot be their own substitute.",
        ),
    ]

    @api.depends("date_from", "date_to", "active")
    @api.depends_context("date")
    def _compute_is_current(self):
        today = fields.Date.context_today(self)
        for leave in self:
            leave.is_current = (
                leave.active and leave.date_from <= today <= leave.date_to
            )

    def _search_is_current(self, operator, value):
        # Evaluated when the domain is turned into SQL, so record rules built on
        # it follow the calendar without any cron.
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(
                self.env._("Unsupported search on the current leave flag.")
            )
        today = fields.Date.context_today(self)
        if (operator == "=") == value:
            return [
                ("active", "=", True),
                ("date_from", "<=", today),
                ("date_to", ">=", today),
            ]
        return [
            "|",
            "|",
            ("active", "=", False),
            ("date_from", ">", today),
            ("date_to", "<", today),
        ]

    @api.constrains("user_id", "substitute_id", "date_from", "date_to", "active")
    def _check_no_overlap(self):
        for leave in self.filtered("active"):
            overlapping = self.search_count(
                [
                    ("id", "!=", leave.id),
                    ("user_id", "=", leave.user_id.id),
                    ("date_from", "<=", leave.date_to),
                    ("date_to", ">=", leave.date_from),
                ]
            )
            if overlapping:
                raise ValidationError(
                    self.env._(
                        "%(expert)s already has a substitute for part of this period.",
                        expert=leave.user_id.name,
                    )
                )

    @api.model
    def _local_today(self, user):
        """Today in ``user``'s time zone (UTC when they have none)."""
        return fields.Date.context_today(self.with_context(tz=user.tz or "UTC"))

    @api.model
    def _resolve(self, user, date=None):
        """Follow substitutions from ``user`` on ``date``.

        Returns ``(effective_user, absent_users)``: the user who actually takes
        the work, and the experts on leave that were skipped on the way.
        Substitution chains are followed (A → B → C) and cycles stop the walk.
        Without ``date``, each leave is read on its expert's own day (their
        time zone, else UTC), not on the day of whoever triggers the referral:
        at 01:00 in Tehran an expert's leave has begun, whatever the server's
        or the robot user's time zone says.
        """
        absent = self.env["res.users"]
        current = user
        while current and current not in absent:
            day = date or self._local_today(current)
            leave = self.sudo().search(
                [
                    ("user_id", "=", current.id),
                    ("date_from", "<=", day),
                    ("date_to", ">=", day),
                ],
                limit=1,
            )
            if not leave:
                return current, absent
            absent |= current
            current = leave.substitute_id
        # A cycle: everybody in it is away; nobody takes the work.
        return self.env["res.users"], absent

    @api.model
    def _covered_by(self, user):
        """The experts on leave whose work goes to ``user`` today (chains of
        substitutes followed), each read on their own day as ``_resolve`` does."""
        covered = self.env["res.users"]
        frontier = user
        today = fields.Date.context_today(self)
        while frontier:
            # One day of margin either side for time zones; _resolve decides.
            leaves = self.sudo().search(
                [
                    ("substitute_id", "in", frontier.ids),
                    ("date_from", "<=", today + timedelta(days=1)),
                    ("date_to", ">=", today - timedelta(days=1)),
                ]
            )
            found = (leaves.user_id - covered - user).filtered(
                lambda expert: self._resolve(expert)[0] == user
            )
            covered |= found
            frontier = found
        return covered
