"""Order-related actions: order-id validation for the forms and the order status lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.names import Slot

ORDER_ID = re.compile(r"\b[Nn][Bb][-\s]?(\d{6})\b")
DEMO_ORDERS = Path(__file__).parent / "data" / "demo_orders.yml"
STATUS_RESPONSES = {
    "processing": "utter_order_status_processing",
    "shipped": "utter_order_status_shipped",
    "delivered": "utter_order_status_delivered",
}


def normalise_order_id(text: str | None) -> str | None:
    """'nb204519', 'NB 204519' or 'my order is NB-204519' -> 'NB-204519'; None when there is no order id."""
    match = ORDER_ID.search(text or "")
    return f"NB-{match.group(1)}" if match else None


@dataclass(frozen=True)
class Order:
    """What the store says about one order."""

    order_id: str
    status: str
    carrier: str | None
    eta: str | None


@lru_cache(maxsize=1)
def demo_orders(path: Path = DEMO_ORDERS) -> dict[str, Order]:
    """The demo store's orders by id."""
    entries: dict[str, dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["orders"]
    return {
        order_id: Order(order_id, entry["status"], entry.get("carrier"), entry.get("eta"))
        for order_id, entry in entries.items()
    }


class OrderIdValidation:
    """Mixin for the forms' validation actions: accepts an order id in any customer spelling, stores it normalised,
    explains the format otherwise. (Not an Action itself, so the SDK does not register it.)"""

    def validate_order_id(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        order_id = normalise_order_id(str(slot_value) if slot_value is not None else None)
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id", order_id=str(slot_value or "").strip()[:40])
            return {"order_id": None}
        return {"order_id": order_id}


class ValidateOrderStatusForm(OrderIdValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_order_status_form"


class ValidateRefundForm(OrderIdValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_refund_form"


class ValidateCancelOrderForm(OrderIdValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_cancel_order_form"


class ActionOrderStatus(Action):
    """Tells the customer where their order is, or offers a person when the store does not know it."""

    def name(self) -> str:
        return "action_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        order_id = normalise_order_id(tracker.get_slot(Slot.ORDER_ID))
        order = demo_orders().get(order_id or "")
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_id=order_id or "")
            return [SlotSet(Slot.ORDER_ID, None)]
        dispatcher.utter_message(
            response=STATUS_RESPONSES[order.status],
            order_id=order.order_id,
            carrier=order.carrier or "",
            eta=order.eta or "",
        )
        return []
