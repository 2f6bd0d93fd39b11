# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.rpc_access import orm_access

HISTORY_ACTIONS = [
    ("submit", "Submitted"),
    ("review", "Reviewed by the expert"),
    ("enter", "Entered the stage"),
    ("approve", "Approved"),
    ("reject", "Rejected"),
    ("return", "Returned"),
    ("cancel", "Cancelled"),
    ("skip", "Skipped (condition not met)"),
    ("auto_pass", "Stock check passed"),
    ("auto_stop", "Stock check stopped"),
    ("credit_pass", "Credit check passed"),
    ("credit_stop", "Credit check stopped"),
]
# What the dealer may read: the steps of their order and the reasons they are
# owed (rejection, cancellation); everything else stays internal.
PUBLIC_REASON_ACTIONS = ("reject", "cancel")


class CarPortalOrderHistory(models.Model):
    """Append-only trail of an order's process: who did what, when and why."""

    _name = "car.portal.order.history"
    _description = "Order History"
    _order = "date desc, id desc"
    _rec_name = "action"

    order_id = fields.Many2one(
        "car.portal.order", required=True, ondelete="cascade", index=True, readonly=True
    )
    # Computed before the INSERT (``precompute``): no UPDATE after it.
    company_id = fields.Many2one(
        related="order_id.company_id", store=True, index=True, precompute=True
    )
    stage_id = fields.Many2one(
        "car.portal.process.stage", readonly=True, ondelete="restrict", index=True
    )
    stage_name = fields.Char(
        readonly=True, help="The stage's name at the time, kept if it is renamed."
    )
    user_id = fields.Many2one("res.users", string="By", readonly=True, index=True)
    action = fields.Selection(HISTORY_ACTIONS, required=True, readonly=True)
    reason = fields.Text(readonly=True)
    is_internal = fields.Boolean(
        compute="_compute_is_internal",
        store=True,
        precompute=True,
        help="The reason is for the staff only; the dealer sees the step alone.",
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)

    @api.depends("action")
    def _compute_is_internal(self):
        for entry in self:
            entry.is_internal = entry.action not in PUBLIC_REASON_ACTIONS

    @orm_access
    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("The approval history cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The approval history cannot be deleted."))

    def _portal_values(self):
        """What the dealer's timeline shows for these entries."""
        labels = dict(self._fields["action"]._description_selection(self.env))
        return [
            {
                "date": entry.date,
                "stage": entry._portal_stage_name(),
                "action": labels[entry.action],
                "user": entry.user_id.name or "",
                "reason": "" if entry.is_internal else (entry.reason or ""),
            }
            for entry in self
        ]

    def _portal_stage_name(self):
        """The stage's name in the reader's language. ``stage_name`` is a copy
        in the language of whoever acted (the installer's English for the
        demo's orders): while it is still one of the stage's names, the stage
        was not renamed and its translation is shown; otherwise the kept name."""
        self.ensure_one()
        stage = self.stage_id
        if not stage or not self.stage_name:
            return self.stage_name or ""
        languages = {code for code, _name in self.env["res.lang"].get_installed()}
        names = {stage.with_context(lang=code).name for code in languages | {"en_US"}}
        return stage.name if self.stage_name in names else self.stage_name
