# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The credit check: a stage kind that asks whether the dealer can afford it.

Like the stock check, the stage runs by itself when an order enters it: it
asks the hook :meth:`CarPortalProcessCredit._credit_check`, which this module
does not implement (it knows no accounting); ``car_portal_sepidar`` reads the
dealer's credit from Sepidar. The hook answers one of:

* ``CREDIT_PASS``: the credit covers the order; the order goes on.
* ``CREDIT_SHORT``: it does not; the note says by how much.
* ``CREDIT_WAIT``: the credit could not be judged (no data, data too old, the
  accounting unreachable); the note says why.

In the last two cases the order waits in the stage for its responsibles, with
the note shown on the form and the kanban card. They may approve over it (the
override), and then must say why: the reason goes into the order's history
like any approval comment. Never a silent pass.
"""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError

CREDIT_PASS, CREDIT_SHORT, CREDIT_WAIT = "pass", "short", "wait"


class CarPortalProcessCredit(models.AbstractModel):
    _inherit = "car.portal.process.engine"

    credit_shortfall = fields.Text(
        readonly=True,
        copy=False,
        help="Why the credit check stopped the order: what the dealer's credit "
        "does not cover, or why it could not be checked.",
    )

    def _run_automatic_check(self, stage):
        """Run the check of an automatic stage; True when the order goes on.

        Approval stages have none: the order waits for its responsibles.
        """
        if stage.kind == "stock_check":
            return self._run_stock_check()
        if stage.kind == "credit_check":
            return self._run_credit_check()
        return False

    def _run_credit_check(self):
        """Ask the credit hook at a credit-check stage; True when it passed."""
        self.ensure_one()
        self._write_system({"credit_shortfall": False})
        try:
            with self.env.cr.savepoint():
                status, note = self._credit_check()
        except UserError as error:
            status, note = CREDIT_WAIT, error.args[0]
        if status == CREDIT_PASS:
            self._log_history("credit_pass", reason=note or None)
            return True
        if status == CREDIT_SHORT:
            title = self.env._("The dealer's credit does not cover the order:")
        else:
            title = self.env._("The dealer's credit could not be checked:")
        text = f"{title}\n{note}"
        self._write_system({"credit_shortfall": text})
        self._log_history("credit_stop", reason=text)
        self._schedule_stage_activities()
        self.message_post(
            body=Markup("<p>%s</p><pre>%s</pre>") % (title, note),
            subtype_xmlid="mail.mt_note",
        )
        return False

    def _credit_check(self):
        """``(status, note)`` of the dealer's credit for this order.

        Used by "credit check" process stages. This module knows no
        accounting: it waits, saying so; ``car_portal_sepidar`` reads the
        dealer's credit in Sepidar.
        """
        self.ensure_one()
        return CREDIT_WAIT, self.env._("No credit source is installed.")

    def _check_override_reason(self, comment):
        """Approving over a credit shortfall needs a reason (the override)."""
        if (comment or "").strip():
            return
        over = self.filtered(
            lambda o: o.stage_id.kind == "credit_check" and o.credit_shortfall
        )
        if over:
            raise UserError(
                self.env._(
                    "Order %(order)s is over the dealer's credit: approve it with "
                    "a comment saying why.",
                    order=over[0].name,
                )
            )
