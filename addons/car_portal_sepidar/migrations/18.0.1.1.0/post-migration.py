# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: a missing Sepidar price stops the posting by default.

Until this version the backend's default fell back to the Odoo price without a
word. That default was never a choice, so backends that kept it now use the
Sepidar price list only: an order whose item has no price under its sale type
stops with a message naming both, and finance fixes the price and retries. An
administrator who wants the fallback chooses it again on the backend (each
line it prices is then noted on the order).
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "UPDATE sepidar_backend SET price_source = 'pricelist'"
        " WHERE price_source = 'pricelist_then_odoo' RETURNING id"
    )
    changed = [row[0] for row in cr.fetchall()]
    if changed:
        _logger.info(
            "Sepidar backends %s: a missing Sepidar price now stops the posting "
            "(Fee From: Sepidar price list).",
            changed,
        )
