# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The awkward corners of a real Sepidar catalogue, with the demo's dataset
(sepidar_simulator/data/demo_dataset.json): item IDs that are not their codes,
a colour Sepidar does not let anyone pick, an item it does not sell, an item
with a secondary unit and a tax-exempt service. Each is posted as Sepidar
wants it, or stopped with a message saying what to fix; the strict simulator
notices no deviation in what was sent."""

from sepidar_simulator.dataset import demo_dataset

from .common import SepidarCase

# Items of the demo dataset: (ItemID, Code).
HATCHBACK, UNSELLABLE, TYRE, PLATE_SERVICE = 731, 742, 753, 764
HATCHBACK_WHITE, HATCHBACK_YELLOW = 141, 142


class TestSepidarCatalogue(SepidarCase):
    simulator_dataset = demo_dataset()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        parts, vehicles = cls.categ_parts, cls.categ_vehicles
        cls.white, cls.yellow = cls._hatchback()
        cls.unsellable = cls._product("Engine kit", "PT-2006", parts, 5e6)
        cls.tyre = cls._product("Tyre 205/55R16", "PT-2007", parts, 3e7)
        cls.plates = cls._product("Number plates", "SV-3002", vehicles, 1e7)
        products = cls.white | cls.yellow | cls.unsellable | cls.tyre | cls.plates
        cls.bindings = cls.env["sepidar.product.binding"]._get_or_create(
            cls.backend, products
        )
        cls.bindings._auto_match()

    @classmethod
    def _hatchback(cls):
        white, yellow = cls._colour_variants()
        white.default_code, yellow.default_code = "VH-1004-WHI", "VH-1004-YEL"
        yellow.product_template_attribute_value_ids.product_attribute_value_id.name = (
            "زرد"
        )
        return white, yellow

    def setUp(self):
        super().setUp()
        self.simulator.clear_request_log()

    def _binding(self, product):
        return self.bindings.filtered(lambda b: b.product_id == product)

    def _posted_line(self, product, qty):
        order = self._approved(lines=[(product, qty)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "done", export.last_error)
        self.assertEqual(self.simulator.deviations(), [])
        return export.payload["Items"][0]

    def test_items_are_sent_by_their_id_not_their_code(self):
        binding = self._binding(self.white)
        self.assertEqual(binding.item_id.code, "VH-1004")
        self.assertEqual(binding.tracing_id.sepidar_id, HATCHBACK_WHITE)
        line = self._posted_line(self.white, 1)
        self.assertEqual(
            (line["ItemRef"], line["TracingRef"]), (HATCHBACK, HATCHBACK_WHITE)
        )

    def test_a_colour_sepidar_does_not_let_pick_is_never_sent(self):
        binding = self._binding(self.yellow)
        self.assertFalse(binding.item_id, "auto-match skips the yellow")
        order = self._approved(lines=[(self.yellow, 1)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "error")
        self.assertIn("has no Sepidar item", export.last_error)
        # Mapped by hand anyway (the form offers only selectable tracings):
        item = self._binding(self.white).item_id
        yellow = item.tracing_ids.filtered(lambda t: t.sepidar_id == HATCHBACK_YELLOW)
        self.assertFalse(yellow.is_selectable)
        binding.write({"item_id": item.id, "tracing_id": yellow.id})
        export.with_user(self.finance).action_retry()
        self._run_cron()
        self.assertEqual(export.state, "error")
        self.assertIn("cannot be chosen on documents in Sepidar", export.last_error)
        self.assertEqual(self._sim_state()["quotations"], 0)

    def test_an_item_sepidar_does_not_sell_stops_with_a_message(self):
        self.assertEqual(self._binding(self.unsellable).item_id.sepidar_id, UNSELLABLE)
        order = self._approved(lines=[(self.unsellable, 1)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "error")
        self.assertIn("cannot be sold", export.last_error)
        self.assertEqual(self._sim_state()["quotations"], 0)

    def test_a_secondary_unit_gets_its_secondary_quantity(self):
        item = self._binding(self.tyre).item_id
        self.assertEqual((item.sepidar_id, item.units_ratio), (TYRE, 4))
        line = self._posted_line(self.tyre, 8)
        self.assertEqual((line["Quantity"], line["SecondaryQuantity"]), (8, 2))

    def test_a_tax_exempt_service_carries_no_tax(self):
        item = self._binding(self.plates).item_id
        self.assertTrue(item.is_tax_exempt)
        self.assertGreater(item.tax_rate, 0)  # Sepidar keeps a rate it does not apply
        line = self._posted_line(self.plates, 1)
        self.assertEqual(
            (line["ItemRef"], line["Tax"], line["Duty"]), (PLATE_SERVICE, 0, 0)
        )

    def test_a_service_is_not_stock_checked(self):
        """Sepidar keeps no inventory of a service: the stock check leaves it
        out instead of reporting it as out of stock."""
        self.env["sepidar.backend"]._cron_read_stock()
        self.assertFalse(self.plates._car_portal_atp(self.company))  # no level
        order = self._order(lines=[(self.plates, 3), (self.tyre, 8)])
        order.action_submit()
        self.assertEqual(order._stock_shortfall(), [])
        order = self._order(lines=[(self.plates, 3), (self.tyre, 65)])
        order.action_submit()
        [(line, available)] = order._stock_shortfall()
        self.assertEqual((line.product_id, available), (self.tyre, 64.0))
