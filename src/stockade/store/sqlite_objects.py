"""The object engine on files and SQLite (implements `stockade.store.object_ports.ObjectEngine`).

Bodies are sealed files under `<data dir>/objects/` (`object_bodies`); metadata is in its own
database, `<data dir>/objects.db`, changed only by one writer thread (`object_writer`) and read
through a separate connection (WAL: readers see committed state and never block the writer).

A put streams the body into its file (sealing, hashing and checking sizes as it goes) on the
caller's thread, verifies the caller's checksums, and only then commits the version; if any
step fails the file is removed and nothing was committed. Files a change frees are unlinked
after its commit; if the process dies in between, `_sweep` at the next open removes them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from stockade.clock import Clock
from stockade.store.object_bodies import BodyFiles, BodyMissing, new_body_id
from stockade.store.object_checksums import StreamHasher, wanted
from stockade.store.object_errors import (
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    InvalidArgument,
    InvalidRange,
    MethodNotAllowed,
    NoSuchKey,
    NoSuchVersion,
    ObjectCorrupted,
)
from stockade.store.object_keys import DataKeys, object_context
from stockade.store.object_limits import LIST_MAX, SINGLE_PUT_MAX, check_key, check_metadata
from stockade.store.object_listing import PAST, list_current, list_versions
from stockade.store.object_multipart import Multipart
from stockade.store.object_ports import (
    BucketInfo,
    ByteRange,
    Checksums,
    CompletedPart,
    DeleteResult,
    KmsDataKeys,
    ListPage,
    ObjectDataKeys,
    ObjectRead,
    ObjectVersion,
    PartInfo,
    PutOptions,
    SegmentCipher,
    Upload,
    Versioning,
    VersionsPage,
)
from stockade.store.object_rows import (
    SCHEMA,
    VERSION_COLUMNS,
    Body,
    bodies_of,
    bucket_of,
    connect,
    meta_json,
    version_of,
)
from stockade.store.object_versions import (
    NewVersion,
    add_version,
    delete_version,
    require_bucket,
)
from stockade.store.object_writer import ObjectWriter

_NO_CHECKSUMS = Checksums()


class SqliteObjectEngine:
    def __init__(
        self,
        data_dir: Path,
        cipher: SegmentCipher,
        platform_keys: ObjectDataKeys,
        clock: Clock,
        kms: KmsDataKeys | None = None,
    ) -> None:
        self._clock = clock
        self._bodies = BodyFiles(data_dir / "objects", cipher)
        self._keys = DataKeys(platform_keys, kms)
        path = data_dir / "objects.db"
        with contextlib.closing(connect(path)) as db:
            db.executescript(SCHEMA)
            self._sweep(db)
        self._reader = connect(path)
        self._reader_lock = threading.Lock()
        self._writer = ObjectWriter(lambda: connect(path))
        self._multipart = Multipart(self._bodies, self._keys, self._writer, self._read, self._now)

    def _sweep(self, db: sqlite3.Connection) -> None:
        named: set[str] = set()
        for (bodies,) in db.execute("SELECT bodies FROM versions"):
            named.update(b.body_id for b in bodies_of(bodies))
        for (body,) in db.execute("SELECT body FROM parts"):
            named.add(body)
        self._bodies.sweep(named)

    def _now(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    def _read(self, query: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._reader_lock:
            rows: list[tuple[Any, ...]] = self._reader.execute(query, args).fetchall()
        return rows

    def close(self) -> None:
        self._writer.close()
        with self._reader_lock:
            self._reader.close()

    # -- buckets -----------------------------------------------------------------------------
    def create_bucket(self, name: str, owner_account: str, region: str) -> BucketInfo:
        def run(db: sqlite3.Connection) -> BucketInfo:
            row = db.execute(
                "SELECT name, owner, region, created_ms, versioning FROM buckets WHERE name = ?",
                (name,),
            ).fetchone()
            if row is not None:
                if row[1] == owner_account:
                    raise BucketAlreadyOwnedByYou(
                        "Your previous request to create the named bucket succeeded and you"
                        " already own it."
                    )
                raise BucketAlreadyExists("The requested bucket name is not available.")
            now = self._now()
            db.execute(
                "INSERT INTO buckets (name, owner, region, created_ms) VALUES (?, ?, ?, ?)",
                (name, owner_account, region, now),
            )
            return bucket_of((name, owner_account, region, now, ""))

        return self._writer.call(run)

    def get_bucket(self, name: str) -> BucketInfo:
        with self._reader_lock:
            return require_bucket(self._reader, name)

    def list_buckets(self, owner_account: str) -> list[BucketInfo]:
        rows = self._read(
            "SELECT name, owner, region, created_ms, versioning FROM buckets WHERE owner = ?"
            " ORDER BY name",
            (owner_account,),
        )
        return [bucket_of(r) for r in rows]

    def delete_bucket(self, name: str) -> None:
        def run(db: sqlite3.Connection) -> None:
            require_bucket(db, name)
            busy = db.execute(
                "SELECT 1 FROM versions WHERE bucket = ? UNION ALL"
                " SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1",
                (name, name),
            ).fetchone()
            if busy is not None:  # versions and delete markers count, as on S3
                raise BucketNotEmpty("The bucket you tried to delete is not empty")
            db.execute("DELETE FROM buckets WHERE name = ?", (name,))

        self._writer.call(run)

    def set_versioning(self, name: str, state: Versioning) -> BucketInfo:
        def run(db: sqlite3.Connection) -> BucketInfo:
            info = require_bucket(db, name)
            if state is Versioning.UNVERSIONED and info.versioning is not Versioning.UNVERSIONED:
                # S3: once enabled, a bucket can only be suspended, never unversioned again.
                raise InvalidArgument("A versioned bucket can only be suspended.")
            db.execute("UPDATE buckets SET versioning = ? WHERE name = ?", (state.value, name))
            return replace(info, versioning=state)

        return self._writer.call(run)

    # -- objects -----------------------------------------------------------------------------
    def put_object(
        self, bucket: str, key: str, chunks: Iterator[bytes], options: PutOptions
    ) -> ObjectVersion:
        key_bytes = check_key(key)
        check_metadata(options.headers.user_metadata)
        self.get_bucket(bucket)  # before reading a byte of the body
        plain, wrapped, encryption = self._keys.new(options.encryption, object_context(bucket, key))
        body_id = new_body_id()
        hasher = StreamHasher(wanted(options.checksum_algorithm, options.expected))
        try:
            size = self._bodies.write(body_id, plain, chunks, hasher, SINGLE_PUT_MAX)
            hasher.verify(options.expected, options.expected_md5)
            stored = replace(options, encryption=encryption)
            new = NewVersion(False, size, f'"{hasher.md5().hex()}"',
                             meta_json(stored, hasher.checksums(), 0), wrapped,
                             (Body(body_id, size),))  # fmt: skip
            version_id, freed = self._writer.call(
                lambda db: add_version(db, bucket, key_bytes, new, self._now())
            )
        except BaseException:
            self._bodies.delete(body_id)
            raise
        self._free(freed)
        return self.head_object(bucket, key, version_id)

    def _free(self, bodies: list[Body]) -> None:
        for body in bodies:
            self._bodies.delete(body.body_id)

    def _row(self, bucket: str, key: str, version_id: str) -> tuple[tuple[Any, ...], bool]:
        """(seq, version columns..., wrapped, bodies) of the version asked for, and whether it
        is the key's newest."""
        key_bytes = check_key(key)
        columns = f"seq, {VERSION_COLUMNS}, wrapped, bodies"
        with self._reader_lock:
            require_bucket(self._reader, bucket)
            newest = self._reader.execute(
                f"SELECT {columns} FROM versions WHERE bucket = ? AND key = ?"  # noqa: S608
                " ORDER BY seq DESC LIMIT 1",
                (bucket, key_bytes),
            ).fetchone()
            if not version_id:
                if newest is None:
                    raise NoSuchKey("The specified key does not exist.")
                if newest[4]:
                    raise NoSuchKey("The specified key does not exist.", str(newest[3]))
                return newest, True
            row = self._reader.execute(
                f"SELECT {columns} FROM versions WHERE bucket = ? AND key = ?"  # noqa: S608
                " AND version_id = ?",
                (bucket, key_bytes, version_id),
            ).fetchone()
        if row is None:
            raise NoSuchVersion("The specified version does not exist.")
        if row[4]:
            raise MethodNotAllowed("The specified method is not allowed against this resource.")
        return row, row[0] == newest[0]

    def head_object(self, bucket: str, key: str, version_id: str = "") -> ObjectVersion:
        row, latest = self._row(bucket, key, version_id)
        return version_of(row[1:9], latest)

    def get_object(
        self, bucket: str, key: str, version_id: str = "", byte_range: ByteRange | None = None
    ) -> ObjectRead:
        row, latest = self._row(bucket, key, version_id)
        version = version_of(row[1:9], latest)
        start, end = resolve_range(byte_range, version.size)
        data_key = self._keys.open(version.encryption, row[9], object_context(bucket, key))
        whole = byte_range is None and version.parts_count == 0
        check = version.etag if whole else ""
        chunks = self._stream(row[0], bodies_of(row[10]), data_key, start, end, check)
        return ObjectRead(version, start, end, chunks)

    def _stream(
        self, seq: int, bodies: list[Body], data_key: bytes, start: int, end: int, etag: str
    ) -> Iterator[bytes]:
        # A whole single-part read is also checked against its ETag (its MD5) at the end: the
        # segments' authentication already refuses any changed byte before it is yielded; this
        # checks the assembly of the segments too.
        md5 = hashlib.md5() if etag else None  # noqa: S324 - S3's ETag is MD5
        offset = 0
        for body in bodies:
            lo, hi = max(start - offset, 0), min(end - offset, body.size)
            if hi > lo or (body.size == 0 and start == end == offset == 0):
                try:
                    for chunk in self._bodies.read(body.body_id, data_key, body.size, lo, hi):
                        if md5 is not None:
                            md5.update(chunk)
                        yield chunk
                except BodyMissing:
                    # Files are opened as the stream reaches them: a version deleted (and its
                    # files freed) after the GET began is gone, not corrupt.
                    if not self._read("SELECT 1 FROM versions WHERE seq = ?", (seq,)):
                        raise NoSuchKey("The object was deleted while it was read.") from None
                    raise
            offset += body.size
            if offset >= end:
                break
        if md5 is not None and f'"{md5.hexdigest()}"' != etag:
            raise ObjectCorrupted("An object's stored body does not match its checksum.")

    def delete_object(self, bucket: str, key: str, version_id: str = "") -> DeleteResult:
        key_bytes = check_key(key)

        def run(db: sqlite3.Connection) -> tuple[DeleteResult, list[Body]]:
            info = require_bucket(db, bucket)
            if version_id:
                marker, freed = delete_version(db, bucket, key_bytes, version_id)
                return DeleteResult(version_id, marker), freed
            if info.versioning is Versioning.UNVERSIONED:
                _, freed = delete_version(db, bucket, key_bytes, "null")
                return DeleteResult("", False), freed
            tombstone = NewVersion(True, 0, "", meta_json(PutOptions(), Checksums(), 0), b"", ())
            new_id, freed = add_version(db, bucket, key_bytes, tombstone, self._now())
            return DeleteResult(new_id, True), freed

        result, freed = self._writer.call(run)
        self._free(freed)
        return result

    def set_tags(
        self, bucket: str, key: str, tags: Sequence[tuple[str, str]], version_id: str = ""
    ) -> ObjectVersion:
        row, _ = self._row(bucket, key, version_id)
        seq = row[0]

        def run(db: sqlite3.Connection) -> None:
            found = db.execute("SELECT meta FROM versions WHERE seq = ?", (seq,)).fetchone()
            if found is None:
                raise NoSuchKey("The specified key does not exist.")
            meta = json.loads(found[0])
            meta["tags"] = [list(t) for t in tags]
            db.execute("UPDATE versions SET meta = ? WHERE seq = ?", (json.dumps(meta), seq))

        self._writer.call(run)
        return self.head_object(bucket, key, row[3])

    def list_objects(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        start_after: str = "",
        continuation: str = "",
        max_keys: int = LIST_MAX,
    ) -> ListPage:
        after = decode_token(continuation) if continuation else start_after.encode()
        limit = max(0, min(max_keys, LIST_MAX))
        p, d = prefix.encode(), delimiter.encode()
        with self._reader_lock:
            require_bucket(self._reader, bucket)
            listed = list_current(self._reader, bucket, p, d, after, limit)
        contents = tuple(version_of(e.row, True) for e in listed.entries if e.row is not None)
        prefixes = tuple(e.key.decode() for e in listed.entries if e.row is None)
        token = ""
        if listed.truncated and listed.entries:
            last = listed.entries[-1]
            token = encode_token(last.key if last.row is not None else last.key + PAST)
        return ListPage(contents, prefixes, listed.truncated, token)

    def list_versions(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        max_keys: int = LIST_MAX,
    ) -> VersionsPage:
        limit = max(0, min(max_keys, LIST_MAX))
        marker = key_marker.encode()
        p, d = prefix.encode(), delimiter.encode()
        with self._reader_lock:
            require_bucket(self._reader, bucket)
            after_seq = None
            if key_marker and version_id_marker:
                found = self._reader.execute(
                    "SELECT seq FROM versions WHERE bucket = ? AND key = ? AND version_id = ?",
                    (bucket, marker, version_id_marker),
                ).fetchone()
                if found is None:
                    raise InvalidArgument("Invalid version id specified")
                after_seq = found[0]
            listed = list_versions(self._reader, bucket, p, d, marker, after_seq, limit)
            latest = self._latest_seqs(bucket, [e.key for e in listed.entries if e.row])
        versions = tuple(
            version_of(e.row[1:], latest.get(e.key) == e.row[0])
            for e in listed.entries
            if e.row is not None
        )
        prefixes = tuple(e.key.decode() for e in listed.entries if e.row is None)
        next_key = next_version = ""
        if listed.truncated and listed.entries:
            last = listed.entries[-1]
            next_key = last.key.decode()
            next_version = "" if last.row is None else str(last.row[3])
        return VersionsPage(versions, prefixes, listed.truncated, next_key, next_version)

    def _latest_seqs(self, bucket: str, keys: list[bytes]) -> dict[bytes, int]:
        found: dict[bytes, int] = {}
        for key in dict.fromkeys(keys):
            row = self._reader.execute(
                "SELECT seq FROM versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1",
                (bucket, key),
            ).fetchone()
            found[key] = row[0]
        return found

    # -- multipart ---------------------------------------------------------------------------
    def create_upload(self, bucket: str, key: str, options: PutOptions) -> Upload:
        check_key(key)
        check_metadata(options.headers.user_metadata)
        return self._multipart.create(bucket, key, options)

    def upload_part(
        self,
        upload_id: str,
        part_number: int,
        chunks: Iterator[bytes],
        expected: Checksums = _NO_CHECKSUMS,
        expected_md5: str = "",
    ) -> PartInfo:
        return self._multipart.put_part(upload_id, part_number, chunks, expected, expected_md5)

    def list_parts(self, upload_id: str) -> list[PartInfo]:
        return self._multipart.parts(upload_id)

    def list_uploads(self, bucket: str) -> list[Upload]:
        self.get_bucket(bucket)
        return self._multipart.uploads(bucket)

    def complete_upload(self, upload_id: str, parts: Sequence[CompletedPart]) -> ObjectVersion:
        upload, version_id, freed = self._multipart.complete(upload_id, parts)
        self._free(freed)
        return self.head_object(upload.bucket, upload.key, version_id)

    def abort_upload(self, upload_id: str) -> None:
        self._free(self._multipart.abort(upload_id))


def resolve_range(byte_range: ByteRange | None, size: int) -> tuple[int, int]:
    """[start, end) of a Range against an object of `size` bytes (RFC 9110 section 14.1.2)."""
    if byte_range is None:
        return 0, size
    if byte_range.suffix is not None:
        if byte_range.suffix <= 0 or size == 0:
            raise InvalidRange("The requested range is not satisfiable")
        return max(0, size - byte_range.suffix), size
    first, last = byte_range.first, byte_range.last
    if first < 0 or (last is not None and last < first) or first >= size:
        raise InvalidRange("The requested range is not satisfiable")
    return first, size if last is None else min(last + 1, size)


def encode_token(marker: bytes) -> str:
    return base64.urlsafe_b64encode(marker).decode()


def decode_token(token: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(token.encode())
    except (binascii.Error, ValueError) as exc:
        raise InvalidArgument("The continuation token provided is incorrect") from exc
