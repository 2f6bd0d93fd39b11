# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The states of a dealer order and what they mean, in one place: the models,
the controllers and the reports' SQL read them here."""

ORDER_STATES = [
    ("draft", "Draft"),
    ("review", "Expert Review"),
    ("process", "In Approval"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("cancel", "Cancelled"),
]

# The states' meanings, in one place (models, controllers, reports' SQL):
# submitted and not decided yet, waiting for the expert or an approver;
OPEN_STATES = ("review", "process")
# refused: nothing is supplied (``_set_state`` clears the supply);
REFUSED_STATES = ("rejected", "cancel")
# closed: nothing on the order changes any more (``_check_closed``).
CLOSED_STATES = ("approved", *REFUSED_STATES)
