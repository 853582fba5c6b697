"""The key state machine (KMS's KeyState) as a transition table; illegal transitions raise.

    Enabled  --DisableKey-->           Disabled --EnableKey--> Enabled
    Enabled | Disabled --ScheduleKeyDeletion--> PendingDeletion --CancelKeyDeletion--> Disabled

Only an Enabled key may encrypt or decrypt; a Disabled one answers DisabledException and one
pending deletion KMSInvalidStateException, as KMS does.
"""

from __future__ import annotations

from enum import Enum

from stockade.services.kms.errors import DisabledError, InvalidStateError
from stockade.store.key_ports import KeyRecord, KeyState


class KeyEvent(Enum):
    ENABLE = "EnableKey"
    DISABLE = "DisableKey"
    SCHEDULE_DELETION = "ScheduleKeyDeletion"
    CANCEL_DELETION = "CancelKeyDeletion"


TRANSITIONS: dict[tuple[KeyState, KeyEvent], KeyState] = {
    (KeyState.ENABLED, KeyEvent.ENABLE): KeyState.ENABLED,
    (KeyState.ENABLED, KeyEvent.DISABLE): KeyState.DISABLED,
    (KeyState.DISABLED, KeyEvent.ENABLE): KeyState.ENABLED,
    (KeyState.DISABLED, KeyEvent.DISABLE): KeyState.DISABLED,
    (KeyState.ENABLED, KeyEvent.SCHEDULE_DELETION): KeyState.PENDING_DELETION,
    (KeyState.DISABLED, KeyEvent.SCHEDULE_DELETION): KeyState.PENDING_DELETION,
    (KeyState.PENDING_DELETION, KeyEvent.CANCEL_DELETION): KeyState.DISABLED,
}


def next_state(key: KeyRecord, event: KeyEvent) -> KeyState:
    found = TRANSITIONS.get((key.state, event))
    if found is None:
        raise InvalidStateError(f"{key.arn} is {_words(key.state)}.")
    return found


def require_usable(key: KeyRecord) -> None:
    """For cryptographic operations: the key must be Enabled."""
    if key.state is KeyState.DISABLED:
        raise DisabledError(f"{key.arn} is disabled.")
    if key.state is not KeyState.ENABLED:
        raise InvalidStateError(f"{key.arn} is {_words(key.state)}.")


def require_not_pending_deletion(key: KeyRecord) -> None:
    """For configuration changes (rotation, aliases, policy)."""
    if key.state is KeyState.PENDING_DELETION:
        raise InvalidStateError(f"{key.arn} is pending deletion.")


def _words(state: KeyState) -> str:
    return {
        KeyState.ENABLED: "enabled",
        KeyState.DISABLED: "disabled",
        KeyState.PENDING_DELETION: "pending deletion",
    }[state]
