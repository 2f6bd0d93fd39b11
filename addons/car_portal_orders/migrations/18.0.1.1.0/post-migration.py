# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: "supplied" means one thing.

A rejected or cancelled order supplies nothing: its lines' supplied
quantities become 0 (the reports already counted them so), and the stored
discrepancies and totals of the lines and orders are computed again.
"""

from openupgradelib import openupgrade


@openupgrade.migrate()
def migrate(env, version):
    lines = env["car.portal.order.line"].search(
        [("order_id.state", "in", ("rejected", "cancel")), ("supplied_qty", "!=", 0)]
    )
    lines._clear_supply()
