# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

OUTCOMES = [
    ("posted", "Posted"),
    ("adopted", "Found in Sepidar"),
    ("transient", "Will Retry"),
    ("unknown", "Answer Lost"),
    ("backend", "Connection Refused"),
    ("invalid", "Rejected"),
    ("credit_refused", "Over Credit Ceiling"),
    ("crash", "Unexpected Error"),
    ("skipped", "Nothing to Post"),
]


class SepidarSyncLog(models.Model):
    """One attempt at posting an order to Sepidar (written by the posting job)."""

    _name = "sepidar.sync.log"
    _description = "Sepidar Posting Attempt"
    _order = "id desc"
    _rec_name = "export_id"

    export_id = fields.Many2one(
        "sepidar.export",
        string="Posting",
        required=True,
        ondelete="cascade",
        index=True,
    )
    # Computed before the INSERT (precompute): one query per attempt logged,
    # instead of an INSERT and an UPDATE.
    order_id = fields.Many2one(
        related="export_id.order_id",
        store=True,
        index=True,
        string="Order",
        precompute=True,
    )
    backend_id = fields.Many2one(
        related="export_id.backend_id", store=True, precompute=True
    )
    company_id = fields.Many2one(
        related="export_id.company_id", store=True, precompute=True
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    attempt = fields.Integer()
    outcome = fields.Selection(OUTCOMES, required=True, index=True)
    duration = fields.Float(string="Duration (s)", digits=(12, 3))
    http_calls = fields.Integer(string="HTTP Calls")
    message = fields.Text()
    sepidar_message = fields.Text(string="Sepidar's Message")
    document_number = fields.Char(string="Sepidar Number")
