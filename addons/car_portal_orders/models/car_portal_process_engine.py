# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from psycopg2 import OperationalError

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import clean_context, split_every

from ..tools.rpc_access import allowed_groups

# How many orders a mass approval approves in one pass (one savepoint).
MASS_APPROVAL_BATCH = 100


class CarPortalProcessEngine(models.AbstractModel):
    """Runs a record through the stages of its approval process.

    Kept apart from the records it runs, as OCA keeps ``tier.validation``
    apart from what it validates: which process and stage, who may act now
    (stored, so *My Approvals* is an indexed lookup), entering a stage
    (responsibles, deadline, to-dos, server action, notice), approving,
    sending back, mass approval, and the locks that make two people acting
    at once give one transition. ``car.portal.order`` is the record it
    runs; it provides the transitions around the process (``_set_state``,
    ``_log_history``, ``_approve``, ``_post_dealer_notice``...). The
    automatic stages' checks are in ``car_portal_process_stock.py`` and
    ``car_portal_process_credit.py``.
    """

    _name = "car.portal.process.engine"
    _description = "Approval Process Engine"

    process_id = fields.Many2one(
        "car.portal.process",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
    )
    stage_id = fields.Many2one(
        "car.portal.process.stage",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
        group_expand="_read_group_stage_ids",
    )
    stage_entered_at = fields.Datetime(readonly=True, copy=False)
    current_reviewer_ids = fields.Many2many(
        "res.users",
        "car_portal_order_reviewer_rel",
        "order_id",
        "user_id",
        string="Waiting For",
        readonly=True,
        copy=False,
        help="Who may act on the order in its current stage.",
    )
    can_act = fields.Boolean(
        compute="_compute_can_act",
        search="_search_can_act",
        string="My Approval",
    )

    @api.depends("state", "current_reviewer_ids")
    @api.depends_context("uid")
    def _compute_can_act(self):
        for order in self:
            order.can_act = (
                order.state == "process" and self.env.user in order.current_reviewer_ids
            )

    def _search_can_act(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the approval flag."))
        domain = [
            ("state", "=", "process"),
            ("current_reviewer_ids", "in", self.env.uid),
        ]
        return domain if (operator == "=") == value else ["!", "&", *domain]

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search([("process_id.active", "=", True)])

    def _start_process(self):
        """Enter the approval process chosen for each order after its review."""
        for order in self:
            process = self.env["car.portal.process"]._select_for(order)
            order._write_system({"process_id": process.id})
            if process:
                order.message_post(
                    body=self.env._(
                        "Approval process: %(process)s.", process=process.name
                    ),
                    subtype_xmlid="mail.mt_note",
                )
            order._advance()

    def _advance(self, after=None):
        """Enter the first stage after ``after`` that applies; past the last
        stage the order is approved."""
        self.ensure_one()
        if not self._enter_next_stage(after):
            self._finish_process()

    def _advance_past_current(self):
        """``_advance`` each order past its current stage; the orders past the
        last stage of their process are approved together."""
        finished = [
            order.id for order in self if not order._enter_next_stage(order.stage_id)
        ]
        if finished:
            self.browse(finished)._finish_process()

    def _enter_next_stage(self, after):
        """Enter the first stage after ``after`` that applies and stop there;
        False when the order went past its last stage."""
        self.ensure_one()
        for stage in self._stages_after(after):
            if not stage._applies_to(self):
                self._log_history("skip", stage=stage)
                continue
            self._enter_stage(stage)
            if not self._run_automatic_check(stage):
                return True
        return False

    def _finish_process(self):
        """The orders went through every stage: they are approved."""
        self._write_system(
            {"stage_id": False, "current_reviewer_ids": [Command.clear()]}
        )
        self._approve()

    def _stages_after(self, stage=None):
        stages = self.process_id.stage_ids.sorted(lambda s: (s.sequence, s.id))
        if stage:
            stages = stages.filtered(
                lambda s: (s.sequence, s.id) > (stage.sequence, stage.id)
            )
        return stages

    def _enter_stage(self, stage):
        self.ensure_one()
        reviewers = stage._resolve_responsibles(self)
        if not reviewers:
            # A stage nobody can act on would block the order: managers act.
            reviewers = self.company_id._car_portal_managers()
            self.message_post(
                body=self.env._(
                    "Nobody is responsible for stage %(stage)s; the managers act "
                    "instead.",
                    stage=stage.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        now = fields.Datetime.now()
        self._write_system(
            {
                "stage_id": stage.id,
                "stage_entered_at": now,
                "date_deadline": now + timedelta(hours=stage.sla_hours)
                if stage.sla_hours
                else False,
                "current_reviewer_ids": [Command.set(reviewers.ids)],
                "stock_shortfall": False,
                "credit_shortfall": False,
            }
        )
        self._log_history("enter", stage=stage)
        if stage.kind == "approval":
            self._schedule_stage_activities()
        if stage.server_action_id:
            stage.server_action_id.with_context(
                active_model=self._name, active_id=self.id, active_ids=self.ids
            ).run()
        if stage.notify_dealer:
            self._post_dealer_notice(
                body=lambda reader: reader.env._(
                    "Your order is now at stage: %(stage)s.",
                    stage=stage.with_context(lang=reader.env.lang).name,
                ),
            )

    @allowed_groups("car_portal_orders.group_car_portal_staff")
    def action_approve(self, comment=None):
        """Approve the current stage; the order moves on when the stage has the
        approvals it needs.

        One pass for the whole selection: the rows are locked at once, each
        order is checked (``_check_can_act``), then the history rows, the
        approval to-dos marked done and closed, and the notices of the orders
        approved go in batches.
        """
        self._lock_for_action()
        for order in self:
            order._check_can_act()
        self._check_override_reason(comment)
        user = self.env.user
        self._log_history("approve", reason=comment)
        self._feedback_stage_activity(user)
        waiting = self.filtered(
            lambda o: (
                o.stage_id.approval_mode == "all"
                and o.current_reviewer_ids - user
                and not user._is_superuser()
            )
        )
        if waiting:
            waiting._write_system({"current_reviewer_ids": [Command.unlink(user.id)]})
        moving = self - waiting
        if moving:
            moving._close_step_activities()
            moving._advance_past_current()
        return True

    @allowed_groups("car_portal_orders.group_car_portal_staff")
    def action_return(self, reason, stage=None):
        """Send the order back, to its expert (no ``stage``) or to an earlier stage."""
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the order is sent back."))
        for order in self:
            order._lock_for_action()
            order._check_can_act()
            if stage and stage not in order._stages_before(order.stage_id):
                raise UserError(
                    self.env._(
                        "Order %(order)s can only go back to an earlier stage of "
                        "its process.",
                        order=order.name,
                    )
                )
            order._log_history("return", reason=reason)
            order._close_step_activities()
            if stage:
                order._enter_stage(stage)
                if order._run_automatic_check(stage):
                    order._advance(after=stage)
                continue
            order._set_state(
                "review",
                stage_id=False,
                current_reviewer_ids=[Command.clear()],
                date_deadline=order._review_deadline(),
            )
            order._schedule_review_activity()
            order.message_post(
                body=self.env._("Returned to the expert: %(reason)s", reason=reason),
                subtype_xmlid="mail.mt_note",
                partner_ids=order.user_id.partner_id.ids,
            )
        return True

    def _stages_before(self, stage):
        return self.process_id.stage_ids.filtered(
            lambda s: (s.sequence, s.id) < (stage.sequence, stage.id)
        )

    @allowed_groups("car_portal_orders.group_car_portal_staff")
    def action_mass_approve(self):
        """Approve what the user may approve; report the rest, fail none.

        The selection is approved in batches of ``MASS_APPROVAL_BATCH``, one
        ``action_approve`` each; the orders someone else holds right now and
        those the user may not act on are reported, not approved. When a batch
        fails (a stage's server action, a hook), its orders are approved one
        at a time so that only the faulty ones are left out.
        """
        refused = []
        readable = self._filtered_access("read")
        if self - readable:
            refused.append(
                self.env._(
                    "%(count)s order(s) you cannot see", count=len(self - readable)
                )
            )
        free = readable._lock_free()
        busy = self.env._("someone else is acting on it right now")
        refused += [f"{order.name}: {busy}" for order in readable - free]
        actable = []
        for order in free:
            try:
                order._check_can_act()
                actable.append(order.id)
            except UserError as error:
                refused.append(f"{order.name}: {error.args[0]}")
        approved = self.browse()
        for batch in split_every(MASS_APPROVAL_BATCH, actable, self.browse):
            approved |= batch._approve_batch(refused)
        return self._mass_approval_notification(approved, refused)

    def _approve_batch(self, refused):
        """``action_approve`` on these orders at once, else one at a time;
        returns the orders approved, appends the others to ``refused``."""
        try:
            with self.env.cr.savepoint():
                self.action_approve()
            return self
        except (UserError, OperationalError):
            self.env.invalidate_all()
        approved = self.browse()
        for order in self:
            name = order.name
            try:
                with self.env.cr.savepoint():
                    order.action_approve()
                approved |= order
            except (UserError, OperationalError) as error:
                self.env.invalidate_all()
                message = (
                    error.args[0]
                    if isinstance(error, UserError)
                    else self.env._("someone else is acting on it right now")
                )
                refused.append(f"{name}: {message}")
        return approved

    def _mass_approval_notification(self, approved, refused):
        message = self.env._("%(count)s order(s) approved.", count=len(approved))
        if refused:
            message += "\n" + self.env._("Not approved:") + "\n" + "\n".join(refused)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Mass approval"),
                "message": message,
                "type": "warning" if refused else "success",
                "sticky": bool(refused),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _lock_free(self):
        """Lock the orders nobody else holds (one query); returns them. The
        others are skipped, not waited for: someone is acting on them."""
        if not self:
            return self
        self.env.cr.execute(
            "SELECT id FROM car_portal_order WHERE id IN %s FOR UPDATE SKIP LOCKED",
            [tuple(self.ids)],
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        self.invalidate_recordset(["state", "stage_id", "current_reviewer_ids"])
        return self.filtered(lambda o: o.id in locked)

    def _lock_for_action(self):
        """Lock the orders and make sure the caller acts on what they saw.

        ``FOR UPDATE NOWAIT`` (one query for all the orders): when someone
        else holds an order, PostgreSQL raises at once and Odoo retries the
        whole request; on the retry the order has moved on and the checks
        below say so. Screens pass the state and stage they showed in the
        context (``car_portal_seen_*``).
        """
        if not self:
            return
        self.env.cr.execute(
            "SELECT id FROM car_portal_order WHERE id IN %s FOR UPDATE NOWAIT",
            [tuple(self.ids)],
        )
        self.invalidate_recordset(["state", "stage_id", "current_reviewer_ids"])
        context = self.env.context
        seen_state = context.get("car_portal_seen_state")
        seen_stage = context.get("car_portal_seen_stage")
        # Read as superuser: a user who just lost access because the order
        # moved to a stage that is not theirs gets told so, not an access error.
        for current in self.sudo():
            moved = (seen_state and seen_state != current.state) or (
                "car_portal_seen_stage" in context
                and (seen_stage or False) != (current.stage_id.id or False)
            )
            if moved:
                states = dict(self._fields["state"]._description_selection(self.env))
                raise UserError(
                    self.env._(
                        "Order %(order)s has moved on (now: %(status)s). Reload it "
                        "to see where it stands.",
                        order=current.name,
                        status=current.stage_id.name or states[current.state],
                    )
                )

    def _check_can_act(self):
        """Only the current stage's responsibles act, whatever the screen shows."""
        self.ensure_one()
        if self.state != "process":
            raise UserError(
                self.env._(
                    "Order %(order)s is not waiting for an approval.", order=self.name
                )
            )
        user = self.env.user
        if user._is_superuser() or user in self.current_reviewer_ids:
            return
        raise AccessError(
            self.env._(
                "You are not responsible for stage %(stage)s of order %(order)s.",
                stage=self.stage_id.name,
                order=self.name,
            )
        )

    def _schedule_stage_activities(self):
        for order in self:
            for user in order.current_reviewer_ids:
                reader = order._in_language_of(user)
                reader.activity_schedule(
                    "car_portal_orders.mail_activity_order_approval",
                    date_deadline=fields.Date.context_today(order),
                    user_id=user.id,
                    summary=reader.env._(
                        "Approve: %(stage)s", stage=reader.stage_id.name
                    ),
                )

    def _feedback_stage_activity(self, user):
        """Mark ``user``'s approval to-dos on these orders done, as
        ``activity_feedback`` does (a "done" message per to-do in the chatter,
        by the approver, then the to-do removed), in one pass for the batch:
        the to-dos found at once, what ``message_post`` looks up for each
        message (reply-to alias, alias domain, company) looked up once, the
        to-dos removed at once. To-dos that chain a next one, are kept once
        done or hold attachments go through Odoo's ``action_feedback``.
        """
        if self.env.context.get("mail_activity_automation_skip"):
            return
        feedback = self.env._("Approved")
        activities = self.activity_search(
            ["car_portal_orders.mail_activity_order_approval"], user_id=user.id
        ).with_context(clean_context(self.env.context))
        if not activities:
            return
        special = activities.activity_type_id.filtered(
            lambda t: t.chaining_type == "trigger" or t.keep_done
        )
        attached = (
            self.env["ir.attachment"]
            .sudo()
            .search_count(
                [("res_model", "=", "mail.activity"), ("res_id", "in", activities.ids)],
                limit=1,
            )
        )
        if special or attached:
            activities.action_feedback(feedback=feedback)
            return
        # As mail.activity._action_done: posted as superuser, by the approver.
        orders = self.sudo().with_context(clean_context(self.env.context))
        orders = orders.browse(activities.mapped("res_id"))
        defaults = orders._message_post_defaults()
        view = self.env.ref("mail.message_activity_done")
        render = self.env["mail.render.mixin"].sudo()._render_template_qweb_view
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_activities")
        author_id = self.env.user.partner_id.id
        for activity in activities:
            order = orders.browse(activity.res_id)
            body = render(
                view,
                self._name,
                order.ids,
                add_context={
                    "activity": activity,
                    "feedback": feedback,
                    "display_assignee": activity.user_id != self.env.user,
                },
            )[order.id]
            order.message_post(
                **order._message_post_author(defaults, author_id),
                body=body,
                message_type="notification",
                subtype_id=subtype_id,
                mail_activity_type_id=activity.activity_type_id.id,
            )
        activities.unlink()
