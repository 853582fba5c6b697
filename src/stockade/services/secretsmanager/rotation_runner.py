"""Rotations run: the four steps, in order, when a secret's rotation is due (across restarts).

    every round (~1 s real time, on the injectable clock's `now`):
    secrets whose `rotation_due` passed (an index of the store) and not already rotating here
    -> begin (one write): the rotation's token: the one being run, else the version an
       unfinished rotation left AWSPENDING, else a new one, staged AWSPENDING (empty); kept
       on the secret, so a restart resumes the same rotation
    -> createSecret, setSecret, testSecret, finishSecret: each one synchronous invocation of
       the function as secretsmanager.amazonaws.com with AWS's event {"Step", "SecretId",
       "ClientRequestToken", "RotationToken"} (Secrets Manager User Guide, "Lambda rotation
       functions"); the function's policy is checked before each step; a cancelled
       rotation (CancelRotateSecret, a newer token) stops before the next step
    -> all four succeeded and AWSCURRENT is on the token: LastRotatedDate, the next window
       (NextRotationDate its end), the token cleared
    -> a step failed (function error, timeout, not invocable): AWSCURRENT untouched, the
       version left AWSPENDING as AWS leaves it, retried later with the same token (back-off
       of 1, 2, 4, 8 hours), then given up until the next window, which resumes it

Each start, success and failure is a service event in the audit trail (rotation_events.py).
A secret never has two rotations running at once: one runner per server, and it skips secrets
it is rotating.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from stockade import entropy
from stockade.clock import Clock
from stockade.domain.secrets import CURRENT, Secret
from stockade.services.audit_log import AuditLog
from stockade.services.secretsmanager.rotation_events import (
    FAILED,
    STARTED,
    SUCCEEDED,
    Failure,
    rotation_event,
)
from stockade.services.secretsmanager.rotation_rules import next_window
from stockade.services.secretsmanager.rotation_state import (
    STEPS,
    RotationFunctions,
    in_progress,
    with_placeholder,
)
from stockade.store.ports import Store
from stockade.types import AccountId

LOG = logging.getLogger(__name__)
ROUND_INTERVAL_S = 1.0
ATTEMPTS_MAX = 5  # tries of one rotation before it waits for the next window
_BATCH = 20  # secrets started per round; the next round takes the rest
RUNNING_MAX = 20  # rotations running at once
PLATFORM_RETRY = timedelta(minutes=5)  # after a fault of the platform, not of the function


@dataclass(frozen=True)
class _Begun:
    account: AccountId
    name: str
    arn: str
    function_arn: str
    token: str
    rotation_id: str  # the event's RotationToken, the same for each step


class RotationRunner:
    def __init__(
        self, store: Store, functions: RotationFunctions, audit: AuditLog, clock: Clock,
        region: str,
    ) -> None:  # fmt: skip
        self._store = store
        self._functions = functions
        self._audit = audit
        self._clock = clock
        self._region = region
        self._running: set[str] = set()  # ARNs of the secrets being rotated
        self._tasks: set[asyncio.Task[None]] = set()  # (kept referenced while they run)
        self._stopping = False

    async def run(self) -> None:
        """Rounds until stopped; a failing round is logged and the next one tries again. A
        round starts the due rotations and does not wait for them: a slow function delays
        only its own secret."""
        while not self._stopping:
            try:
                await self._start_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                LOG.exception("secret rotation round failed")
            await asyncio.sleep(ROUND_INTERVAL_S)

    def stop(self) -> None:
        self._stopping = True

    @property
    def busy(self) -> bool:
        """A rotation is running (a test waits for the background round to finish it)."""
        return bool(self._running)

    async def run_due(self) -> int:
        """Start every due rotation and wait for them to end; how many were started."""
        started = await self._start_due()
        await asyncio.gather(*started)
        return len(started)

    async def _start_due(self) -> list[asyncio.Task[None]]:
        now = self._clock.now()
        due = await asyncio.to_thread(self._due, now)
        room = max(0, RUNNING_MAX - len(self._running))
        started = [s for s in due if s.arn not in self._running][:room]
        self._running.update(s.arn for s in started)  # no await since the check: no twins
        tasks = [asyncio.create_task(self._rotate_once(s)) for s in started]
        for task in tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return tasks

    async def _rotate_once(self, secret: Secret) -> None:
        try:
            await self._rotate(secret)
        except Exception:  # a fault of the platform (store, audit): resumed a little later
            LOG.exception("a secret rotation failed in the platform")
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._postpone, secret)
        finally:
            self._running.discard(secret.arn)

    def _postpone(self, due: Secret) -> None:
        later = self._clock.now() + PLATFORM_RETRY
        with self._store.write() as tx:
            secret = tx.secrets.get(due.account_id, due.name)
            if secret is not None and secret.arn == due.arn and secret.rotation_due is not None:
                tx.secrets.put(replace(secret, rotation_due=max(secret.rotation_due, later)))

    def _due(self, now: datetime) -> list[Secret]:
        with self._store.read() as tx:
            return tx.secrets.due_for_rotation(now.isoformat(), _BATCH)

    async def _rotate(self, secret: Secret) -> None:
        begun = await asyncio.to_thread(self._begin, secret)
        if begun is None:
            return
        await asyncio.to_thread(self._event, begun, STARTED, None)
        for step in STEPS:
            if not await asyncio.to_thread(self._still_rotating, begun):
                return  # cancelled meanwhile: the cancel already cleared its state
            if not await asyncio.to_thread(self._functions.invocable, begun.function_arn,
                                           begun.arn):  # fmt: skip
                await self._fail(begun, step, "AccessDeniedException")
                return
            error = await self._functions.invoke(begun.function_arn, _event(begun, step))
            if error is not None:
                await self._fail(begun, step, error)
                return
        finished = await asyncio.to_thread(self._succeeded, begun)
        if finished is True:
            await asyncio.to_thread(self._event, begun, SUCCEEDED, None)
        elif finished is False:  # finishSecret returned without moving AWSCURRENT
            await self._fail(begun, STEPS[-1], "AWSCURRENTNotMoved")

    def _load(self, account: AccountId, name: str, arn: str) -> Secret | None:
        with self._store.read() as tx:
            found = tx.secrets.get(account, name)
        return found if found is not None and found.arn == arn else None

    def _begin(self, due: Secret) -> _Begun | None:
        now = self._clock.now()
        with self._store.write() as tx:
            secret = tx.secrets.get(due.account_id, due.name)
            if secret is None or secret.arn != due.arn or secret.rotation_due is None:
                return None
            if secret.rotation_due > now:
                return None
            if (secret.scheduled_for_deletion or secret.rotation_lambda_arn is None
                    or not secret.rotation_enabled):  # fmt: skip
                tx.secrets.put(replace(secret, rotation_due=None, rotation_token=None))
                return None
            unfinished = in_progress(secret)
            token = secret.rotation_token or (
                unfinished.version_id if unfinished is not None else str(entropy.uuid4())
            )
            versions = with_placeholder(secret, token, now)
            tx.secrets.put(replace(secret, versions=versions, rotation_token=token))
        return _Begun(secret.account_id, secret.name, secret.arn, secret.rotation_lambda_arn,
                      token, str(entropy.uuid4()))  # fmt: skip

    def _still_rotating(self, begun: _Begun) -> bool:
        secret = self._load(begun.account, begun.name, begun.arn)
        return secret is not None and secret.rotation_token == begun.token

    def _succeeded(self, begun: _Begun) -> bool | None:
        """True: recorded as rotated; False: AWSCURRENT is not on the token; None: the
        rotation was cancelled or the secret deleted meanwhile."""
        now = self._clock.now()
        with self._store.write() as tx:
            secret = tx.secrets.get(begun.account, begun.name)
            if secret is None or secret.arn != begun.arn or secret.rotation_token != begun.token:
                return None
            current = secret.staged(CURRENT)
            if current is None or current.version_id != begun.token:
                return False
            window = None
            if secret.rotation_enabled and secret.rotation_rules is not None:
                window = next_window(secret.rotation_rules, now, now)
            tx.secrets.put(replace(
                secret, last_rotated=now, last_changed=now, rotation_token=None,
                rotation_failures=0,
                rotation_due=None if window is None else window.opens,
                next_rotation=None if window is None else window.closes,
            ))  # fmt: skip
        return True

    async def _fail(self, begun: _Begun, step: str, error: str) -> None:
        await asyncio.to_thread(self._failed, begun)
        await asyncio.to_thread(self._event, begun, FAILED, Failure(step, error))

    def _failed(self, begun: _Begun) -> None:
        now = self._clock.now()
        with self._store.write() as tx:
            secret = tx.secrets.get(begun.account, begun.name)
            if secret is None or secret.arn != begun.arn or secret.rotation_token != begun.token:
                return
            failures = secret.rotation_failures + 1
            if failures < ATTEMPTS_MAX:
                retry = now + timedelta(hours=2 ** (failures - 1))
                tx.secrets.put(replace(secret, rotation_failures=failures, rotation_due=retry))
                return
            window = None  # given up until the next window (none: until RotateSecret)
            if secret.rotation_rules is not None:
                window = next_window(secret.rotation_rules, now, now)
            tx.secrets.put(replace(
                secret, rotation_failures=0, rotation_token=None,
                rotation_due=None if window is None else window.opens,
            ))  # fmt: skip

    def _event(self, begun: _Begun, name: str, failure: Failure | None) -> None:
        now = self._clock.now()
        event = rotation_event(name, begun.account, self._region, begun.arn,
                               begun.function_arn, now, failure)  # fmt: skip
        self._audit.write(event)


def _event(begun: _Begun, step: str) -> bytes:
    """The invocation's event, as Secrets Manager sends it. RotationToken identifies the
    rotation to PutSecretValue for rotations by an assumed role; this server does not check
    it, so it is a random identifier that names nothing else."""
    return json.dumps({
        "Step": step, "SecretId": begun.arn, "ClientRequestToken": begun.token,
        "RotationToken": begun.rotation_id,
    }).encode()  # fmt: skip
