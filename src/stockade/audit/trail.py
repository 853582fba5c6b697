"""The audit trail: a durable journal, rolled into signed, chained CloudTrail files.

`append` puts a record in the journal (`journal.jsonl`, one `seq<TAB>json` line each) and
returns once it is fsync'd; concurrent appends share one fsync (group commit), so the edge can
wait for it before it answers: a record is never lost once its response is sent. `roll` (every
period, and on a clean shutdown) moves the journalled records into one gzipped log file per
account, then writes each account's digest: the log files' SHA-256, the previous digest's hash
and signature (a chain), signed with the trail's Ed25519 key; then it records how far it got
(`state.json`, replaced atomically) and empties the journal. One writer thread does both, so a
roll never races an append. A crash mid-roll can deliver records twice; it cannot lose one.
A write the disk refuses (full, read-only) fails its appends with StorageUnavailableError, cuts
off any part of them that was written, and marks the trail unwritable (`check_writable`) until a
later write or a probe succeeds: the writer thread lives on, and the trail recovers by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gzip
import hashlib
import json
import logging
import os
import queue
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from stockade.audit import layout
from stockade.audit.events import AuditEvent
from stockade.clock import Clock
from stockade.errors import StorageUnavailableError
from stockade.private_files import make_dir, open_for_append, open_for_write, write_file
from stockade.storage_faults import storage_fault

LOG = logging.getLogger(__name__)
JOURNAL = "journal.jsonl"
STATE = "state.json"
_BATCH_MAX = 512
_PROBE_INTERVAL_S = 0.2
_PROBE_BYTES = 4096


class DigestSigner(Protocol):
    def sign(self, data: bytes) -> bytes: ...

    def public_key_pem(self) -> bytes: ...


@dataclass
class _Append:
    line: bytes
    record: dict[str, Any]
    future: Future[None]


@dataclass
class _Roll:
    future: Future[int]


class AuditTrail:
    def __init__(
        self,
        root: Path,
        signer: DigestSigner,
        clock: Clock,
        region: str,
        on_durable: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self._root = root
        # Told of records once they are on disk (the lookup index follows the journal).
        self._on_durable = on_durable
        self._signer = signer
        self._clock = clock
        self._region = region
        make_dir(root)
        self._state = _read_state(root / STATE)
        self._seq = max(self._state["delivered"], _last_seq(root / JOURNAL))
        # Unbuffered, so that a failed write leaves nothing queued to be written later; the
        # journal is cut back to its last whole line (a torn tail from a crash or a full disk
        # would otherwise swallow the next record).
        self._journal = open_for_append(root / JOURNAL, buffering=0)  # held for the trail's life
        self._good_size = _whole_lines_size(root / JOURNAL)
        self._torn = os.fstat(self._journal.fileno()).st_size != self._good_size
        # Set while the data dir refuses journal writes (full, read-only, failing); the edge
        # then refuses requests before they change anything. Cleared by a write or probe.
        self._fault: StorageUnavailableError | None = None
        self._ops: queue.SimpleQueue[_Append | _Roll | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._write_forever, name="audit", daemon=True)
        self._thread.start()
        fingerprint = hashlib.sha256(signer.public_key_pem()).hexdigest()
        self._fingerprint = fingerprint
        # Public, and still 0600 like everything in the data dir: verifiers read it as the
        # server's user, or are handed a copy.
        write_file(root / "digest-public-key.pem", signer.public_key_pem())

    def __repr__(self) -> str:
        return f"AuditTrail({self._root.name!r})"

    # -- appending ---------------------------------------------------------------------------
    def append(self, event: AuditEvent) -> Future[None]:
        """Journal `event`; the future completes once it is on disk."""
        record = event.record()
        text = json.dumps(record, separators=(",", ":"), default=str)
        with self._lock:
            if self._closed:
                raise RuntimeError("the audit trail is closed")
            self._seq += 1
            line = f"{self._seq}\t{text}\n".encode()
            op = _Append(line, json.loads(text), Future())
            self._ops.put(op)  # under the lock: journal order is sequence order
        return op.future

    async def record(self, event: AuditEvent) -> None:
        await asyncio.wrap_future(self.append(event))

    def check_writable(self) -> None:
        """Raise StorageUnavailableError while the journal cannot be written: a request that
        went ahead could change state and then not be recorded."""
        fault = self._fault
        if fault is not None:
            raise StorageUnavailableError(fault.reason, "the audit journal cannot be written")

    def write(self, event: AuditEvent) -> None:
        """Journal `event` and wait until it is on disk (from worker threads)."""
        self.append(event).result()

    def journalled(self) -> list[dict[str, Any]]:
        """Records on disk that no log file holds yet."""
        return [record for _, record in _pending(self._root / JOURNAL, self._state["delivered"])]

    def roll(self) -> int:
        """Deliver what the journal holds into signed files; returns how many records."""
        op = _Roll(Future())
        self._ops.put(op)
        return op.future.result()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._ops.put(None)
        self._thread.join()
        self._journal.close()

    # -- the writer thread -------------------------------------------------------------------
    def _write_forever(self) -> None:
        while True:
            try:
                # While the journal is refused, look every so often whether that has cleared.
                first = self._ops.get(timeout=_PROBE_INTERVAL_S if self._fault else None)
            except queue.Empty:
                self._probe()
                continue
            if first is None:
                self._safely(self._roll)  # a clean shutdown seals the open period
                return
            batch: list[_Append | _Roll | None] = [first]
            while len(batch) < _BATCH_MAX:
                try:
                    batch.append(self._ops.get_nowait())
                except queue.Empty:
                    break
            appends = [op for op in batch if isinstance(op, _Append)]
            if appends:
                self._write(appends)
            for op in batch:
                if isinstance(op, _Roll):
                    try:
                        op.future.set_result(self._roll())
                    except Exception as exc:  # reported to the caller; the journal is kept
                        op.future.set_exception(exc)
            if None in batch:
                self._safely(self._roll)
                return

    def _write(self, appends: list[_Append]) -> None:
        data = b"".join(op.line for op in appends)
        try:
            self._cut_torn_tail()
            _write_all(self._journal.fileno(), data)
            os.fsync(self._journal.fileno())
        except OSError as exc:
            # None of these records is promised: cut off whatever part of them got written.
            self._torn = True
            with contextlib.suppress(OSError):
                self._cut_torn_tail()
            fault = storage_fault(exc)
            self._fault = fault or self._fault
            LOG.error("audit journal write failed: %s", errno.errorcode.get(exc.errno or 0, "?"))
            for op in appends:
                op.future.set_exception(fault or exc)
            return
        self._good_size += len(data)
        self._fault = None
        for op in appends:
            op.future.set_result(None)
        if self._on_durable is not None:
            try:
                self._on_durable([op.record for op in appends])
            except Exception:  # the journal holds them; the index catches up on restart
                LOG.exception("audit records could not be passed on for indexing")

    def _cut_torn_tail(self) -> None:
        if self._torn:
            os.ftruncate(self._journal.fileno(), self._good_size)
            self._torn = False

    def _probe(self) -> None:
        """Whether the journal's directory takes a durable write again (a block-sized file,
        fsync'd and removed), and the torn tail, if any, can be cut."""
        probe = self._root / ".probe"
        try:
            self._cut_torn_tail()
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _write_all(fd, bytes(_PROBE_BYTES))
                os.fsync(fd)
            finally:
                os.close(fd)
                with contextlib.suppress(OSError):
                    probe.unlink()
        except OSError:
            return
        LOG.info("the audit journal can be written again")
        self._fault = None

    def _safely(self, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception:
            LOG.exception("the audit trail could not roll its journal; it is kept for next time")

    def _roll(self) -> int:
        records = _pending(self._root / JOURNAL, self._state["delivered"])
        now = self._clock.now()
        by_account: dict[str, list[dict[str, Any]]] = {}
        for _, record in records:
            by_account.setdefault(str(record.get("recipientAccountId", "")), []).append(record)
        accounts = sorted(set(by_account) | set(self._state["chains"]))
        for account in accounts:
            files = []
            found = by_account.get(account, [])
            if found:
                files.append(self._write_log(account, found, now))
            self._write_digest(account, files, now)
        if records:
            self._state["delivered"] = records[-1][0]
        _write_state(self._root / STATE, self._state)
        self._journal.truncate(0)
        self._good_size = 0
        os.fsync(self._journal.fileno())
        return len(records)

    def _write_log(
        self, account: str, records: list[dict[str, Any]], now: datetime
    ) -> dict[str, Any]:
        relative = layout.log_file_path(account, self._region, now, secrets.token_hex(8))
        data = gzip.compress(json.dumps({"Records": records}).encode(), mtime=0)
        _write_durably(self._root / relative, data)
        times = sorted(str(r.get("eventTime", "")) for r in records)
        return {
            "s3Bucket": "audit",
            "s3Object": str(relative),
            "hashValue": hashlib.sha256(data).hexdigest(),
            "hashAlgorithm": "SHA-256",
            "oldestEventTime": times[0],
            "newestEventTime": times[-1],
        }

    def _write_digest(self, account: str, files: list[dict[str, Any]], now: datetime) -> None:
        chain = self._state["chains"].get(account)
        start = datetime.fromisoformat(chain["end"]) if chain else now
        end = now.astimezone(UTC).replace(microsecond=0)
        if chain and end <= start:  # names carry seconds: keep them strictly increasing
            end = start + timedelta(seconds=1)
        relative = str(layout.digest_path(account, self._region, end))
        previous_signature = chain["signature"] if chain else ""
        digest = {
            "awsAccountId": account,
            "digestStartTime": layout.iso(start),
            "digestEndTime": layout.iso(end),
            "digestS3Bucket": "audit",
            "digestS3Object": relative,
            "digestPublicKeyFingerprint": self._fingerprint,
            "digestSignatureAlgorithm": "Ed25519",
            "previousDigestS3Bucket": "audit" if chain else None,
            "previousDigestS3Object": chain["path"] if chain else None,
            "previousDigestHashValue": chain["hash"] if chain else None,
            "previousDigestHashAlgorithm": "SHA-256" if chain else None,
            "previousDigestSignature": previous_signature or None,
            "logFiles": files,
        }
        data = gzip.compress(json.dumps(digest).encode(), mtime=0)
        signature = self._signer.sign(
            layout.signing_string(layout.iso(end), relative, data, previous_signature)
        ).hex()
        _write_durably(self._root / relative, data)
        _write_durably(self._root / (relative + layout.SIGNATURE_SUFFIX), signature.encode())
        self._state["chains"][account] = {
            "path": relative,
            "hash": hashlib.sha256(data).hexdigest(),
            "signature": signature,
            "end": end.isoformat(),
        }


def _pending(journal: Path, delivered: int) -> list[tuple[int, dict[str, Any]]]:
    found: list[tuple[int, dict[str, Any]]] = []
    if not journal.exists():
        return found
    for raw in journal.read_bytes().splitlines():
        seq_text, _, text = raw.partition(b"\t")
        try:
            seq, record = int(seq_text), json.loads(text)
        except ValueError:
            continue  # a torn last line: never acknowledged, so never promised
        if seq > delivered:
            found.append((seq, record))
    return found


def delivered_records(root: Path, since: datetime) -> Iterator[dict[str, Any]]:
    """Every record in the trail's log files from `since`'s day on (to rebuild an index)."""
    for path in sorted(root.glob("AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz")):
        if layout.day_of(path) < since.astimezone(UTC).date():
            continue
        try:
            records = json.loads(gzip.decompress(path.read_bytes()))["Records"]
        except (OSError, ValueError, KeyError, EOFError):
            LOG.warning("audit log file %s could not be read; its records are not indexed",
                        path.name)  # fmt: skip
            continue
        yield from records


def pending_count(root: Path) -> int:
    """Journalled records that no digest covers yet."""
    return len(_pending(root / JOURNAL, _read_state(root / STATE)["delivered"]))


def _whole_lines_size(journal: Path) -> int:
    data = journal.read_bytes() if journal.exists() else b""
    return data.rfind(b"\n") + 1


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _last_seq(journal: Path) -> int:
    records = _pending(journal, 0)
    return records[-1][0] if records else 0


def _read_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"delivered": 0, "chains": {}}
    state: dict[str, Any] = json.loads(path.read_text())
    return state


def _write_state(path: Path, state: dict[str, Any]) -> None:
    _write_durably(path, json.dumps(state, indent=1).encode())


def _write_durably(path: Path, data: bytes) -> None:
    make_dir(path.parent)
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open_for_write(temporary) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
