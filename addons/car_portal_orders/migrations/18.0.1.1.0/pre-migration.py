# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: honest names, with the data kept.

* ``car.portal.order.approval`` keeps every step of an order, not only
  approvals: it is ``car.portal.order.history`` (``approval_ids`` →
  ``history_ids``).
* ``car.portal.expert.substitute`` is an expert's leave: it is
  ``car.portal.expert.leave`` (``res.users.car_portal_absence_ids`` →
  ``car_portal_leave_ids``).

Tables, sequences, indexes and constraints are renamed, and so are the
models' and fields' records and the external ids of the views, the action, the
menu, the access rights and the record rules, so that the update finds them
instead of creating new ones. The record rules are not updated from their
files (``noupdate``), and the stored domains of rules, actions and filters
may name the renamed fields: the names are replaced in them.
"""

from openupgradelib import openupgrade
from psycopg2 import sql

MODELS = [
    ("car.portal.order.approval", "car.portal.order.history"),
    ("car.portal.expert.substitute", "car.portal.expert.leave"),
]
TABLES = [
    ("car_portal_order_approval", "car_portal_order_history"),
    ("car_portal_expert_substitute", "car_portal_expert_leave"),
]
FIELDS = [
    ("car.portal.order", "car_portal_order", "approval_ids", "history_ids"),
    ("res.users", "res_users", "car_portal_absence_ids", "car_portal_leave_ids"),
]
XMLIDS = [
    ("access_car_portal_order_approval_staff", "access_car_portal_order_history_staff"),
    ("car_portal_order_approval_rule_staff", "car_portal_order_history_rule_staff"),
    ("car_portal_order_approval_rule_expert", "car_portal_order_history_rule_expert"),
    ("car_portal_order_approval_rule_manager", "car_portal_order_history_rule_manager"),
    ("car_portal_order_approval_rule_company", "car_portal_order_history_rule_company"),
    (
        "access_car_portal_expert_substitute_staff",
        "access_car_portal_expert_leave_staff",
    ),
    (
        "access_car_portal_expert_substitute_expert",
        "access_car_portal_expert_leave_expert",
    ),
    (
        "car_portal_expert_substitute_rule_expert_read",
        "car_portal_expert_leave_rule_expert_read",
    ),
    (
        "car_portal_expert_substitute_rule_expert_write",
        "car_portal_expert_leave_rule_expert_write",
    ),
    (
        "car_portal_expert_substitute_rule_manager",
        "car_portal_expert_leave_rule_manager",
    ),
    ("car_portal_expert_substitute_view_list", "car_portal_expert_leave_view_list"),
    ("car_portal_expert_substitute_view_search", "car_portal_expert_leave_view_search"),
    ("car_portal_expert_substitute_action", "car_portal_expert_leave_action"),
    ("car_portal_expert_substitute_menu", "car_portal_expert_leave_menu"),
]
CONSTRAINTS = [
    (
        "car_portal_expert_substitute_dates_ordered",
        "car_portal_expert_leave_dates_ordered",
    ),
    ("car_portal_expert_substitute_not_self", "car_portal_expert_leave_not_self"),
]


# Stored domains and contexts that may name a renamed field.
DOMAIN_COLUMNS = [
    ("ir_rule", "domain_force"),
    ("ir_act_window", "domain"),
    ("ir_act_window", "context"),
    ("ir_filters", "domain"),
]


def _rename_fields_in_domains(cr):
    for table, column in DOMAIN_COLUMNS:
        for _model, _table, old, new in FIELDS:
            query = sql.SQL(
                "UPDATE {table} SET {column} = replace({column}, %s, %s)"
                " WHERE {column} LIKE %s"
            ).format(table=sql.Identifier(table), column=sql.Identifier(column))
            cr.execute(query, [old, new, f"%{old}%"])


def _rename_constraint_records(cr):
    """The SQL constraints' records follow their renamed constraints."""
    for old, new in CONSTRAINTS:
        cr.execute(
            "UPDATE ir_model_constraint SET name = %s WHERE name = %s", [new, old]
        )
        openupgrade.rename_xmlids(
            cr,
            [
                (
                    f"car_portal_orders.constraint_{old}",
                    f"car_portal_orders.constraint_{new}",
                )
            ],
        )


@openupgrade.migrate()
def migrate(env, version):
    cr = env.cr
    if not openupgrade.table_exists(cr, "car_portal_order_approval"):
        return  # already renamed
    openupgrade.rename_models(cr, MODELS)
    openupgrade.rename_tables(cr, TABLES)
    openupgrade.rename_fields(env, FIELDS, no_deep=True)
    openupgrade.rename_xmlids(
        cr,
        [
            (f"car_portal_orders.{old}", f"car_portal_orders.{new}")
            for old, new in XMLIDS
        ],
    )
    _rename_constraint_records(cr)
    _rename_fields_in_domains(cr)
