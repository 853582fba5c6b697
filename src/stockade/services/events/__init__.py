"""The EventBridge-compatible control plane: buses, rules, targets, bus policies, tags."""

from stockade.services.events.service import EventsService

__all__ = ["EventsService"]
