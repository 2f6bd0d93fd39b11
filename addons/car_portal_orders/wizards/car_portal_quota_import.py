# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import csv
import io

from odoo import fields, models
from odoo.exceptions import UserError

from ..models.car_portal_quota import LAST_NUMBER
from ..tools.digits import parse_whole_number, to_ascii_digits
from ..tools.rpc_access import allowed_groups

# Header names read in a sheet (English or Persian) -> column.
COLUMNS = {
    "dealer": "dealer",
    "نماینده": "dealer",
    "model": "model",
    "مدل": "model",
    "category": "category",
    "گروه": "category",
    "period": "period",
    "دوره": "period",
    "year": "year",
    "سال": "year",
    "number": "number",
    "شماره": "number",
    "quantity": "quantity",
    "سهمیه": "quantity",
}
PERIODS = {
    "month": "month",
    "ماه": "month",
    "season": "season",
    "فصل": "season",
    "year": "year",
    "سال": "year",
}


def _text(cell):
    """A cell as typed text (a sheet's 12.0 is 12)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


class CarPortalQuotaImport(models.TransientModel):
    """Dealer quotas from a spreadsheet (CSV or XLSX), all or nothing: every
    bad row is reported with its problem and then nothing is imported."""

    _name = "car.portal.quota.import"
    _description = "Import Dealer Quotas"

    file = fields.Binary(required=True)
    filename = fields.Char()

    @allowed_groups("car_portal_orders.group_car_portal_admin")
    def action_import(self):
        self.ensure_one()
        rows = self._read_rows()
        values, errors = [], []
        for number, row in rows:
            vals, problem = self._row_values(row)
            if problem:
                errors.append(
                    self.env._("Row %(row)s: %(problem)s", row=number, problem=problem)
                )
            else:
                values.append(vals)
        if errors:
            raise UserError("\n".join([self.env._("Nothing was imported:"), *errors]))
        if not values:
            raise UserError(self.env._("The file holds no quota."))
        quotas = self.env["car.portal.quota"]
        for vals in values:
            quotas |= self._upsert(vals)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Imported Quotas"),
            "res_model": "car.portal.quota",
            "view_mode": "list",
            "domain": [("id", "in", quotas.ids)],
        }

    def _read_rows(self):
        """``[(row number, {column: text})]`` of the file's data rows."""
        data = base64.b64decode(self.file or b"")
        if (self.filename or "").lower().endswith(".xlsx"):
            table = self._xlsx_table(data)
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise UserError(
                    self.env._("The file is neither UTF-8 CSV nor XLSX.")
                ) from error
            table = list(csv.reader(io.StringIO(text)))
        if not table:
            raise UserError(self.env._("The file is empty."))
        header = [COLUMNS.get(_text(cell).lower()) for cell in table[0]]
        missing = {"dealer", "period", "year", "quantity"} - set(header)
        if missing:
            raise UserError(
                self.env._(
                    "The first row must name the columns; missing: %(columns)s",
                    columns=", ".join(sorted(missing)),
                )
            )
        return [
            (number, {c: _text(v) for c, v in zip(header, row, strict=False)})
            for number, row in enumerate(table[1:], start=2)
            if any(_text(cell) for cell in row)
        ]

    def _xlsx_table(self, data):
        import openpyxl  # pylint: disable=import-outside-toplevel

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        except Exception as error:  # openpyxl raises many kinds
            raise UserError(self.env._("The file is not a readable XLSX.")) from error
        return [list(row) for row in book.active.iter_rows(values_only=True)]

    def _row_values(self, row):
        """``(values of a quota, None)`` or ``(None, the row's problem)``."""
        dealer = self._find_dealer(row.get("dealer"))
        if not dealer:
            return None, self.env._("unknown dealer %s", row.get("dealer") or "")
        target, problem = self._find_target(row.get("model"), row.get("category"))
        if problem:
            return None, problem
        kind = PERIODS.get((row.get("period") or "").strip().lower())
        if not kind:
            return None, self.env._("the period is month, season or year")
        year, year_problem = parse_whole_number(row.get("year"))
        number, number_problem = parse_whole_number(row.get("number") or "1")
        quantity, quantity_problem = parse_whole_number(row.get("quantity"))
        if year_problem or not 1300 <= year <= 1500:
            return None, self.env._("the year is a Jalali year, e.g. 1405")
        if kind != "year" and (number_problem or not 1 <= number <= LAST_NUMBER[kind]):
            return None, self.env._("the month or season number is out of range")
        if quantity_problem or quantity < 0:
            return None, self.env._("the quantity is a whole number, 0 or more")
        return dict(
            target,
            partner_id=dealer.id,
            period_kind=kind,
            jalali_year=year,
            period_number=1 if kind == "year" else number,
            quantity=quantity,
        ), None

    def _find_dealer(self, text):
        text = to_ascii_digits(text or "").strip()
        if not text:
            return self.env["res.partner"]
        return self.env["res.partner"].search(
            [
                ("car_portal_is_dealer", "=", True),
                "|",
                ("ref", "=", text),
                ("name", "=", text),
            ],
            limit=1,
        )

    def _find_target(self, model, category):
        """``({product_tmpl_id or categ_id}, None)`` or ``(None, problem)``."""
        model, category = (to_ascii_digits(v or "").strip() for v in (model, category))
        if bool(model) == bool(category):
            return None, self.env._("give a model or a category, one of the two")
        if model:
            template = self.env["product.template"].search(
                ["|", ("default_code", "=", model), ("name", "=", model)], limit=1
            )
            if not template:
                return None, self.env._("unknown model %s", model)
            return {"product_tmpl_id": template.id, "categ_id": False}, None
        categ = self.env["product.category"].search(
            ["|", ("complete_name", "=", category), ("name", "=", category)], limit=1
        )
        if not categ:
            return None, self.env._("unknown category %s", category)
        return {"categ_id": categ.id, "product_tmpl_id": False}, None

    def _upsert(self, vals):
        """The quota of the row, updated when it exists, else created."""
        Quota = self.env["car.portal.quota"]
        keys = ("partner_id", "product_tmpl_id", "categ_id", "period_kind")
        keys += ("jalali_year", "period_number")
        existing = Quota.search([(key, "=", vals[key]) for key in keys], limit=1)
        if existing:
            existing.quantity = vals["quantity"]
            return existing
        return Quota.create(vals)
