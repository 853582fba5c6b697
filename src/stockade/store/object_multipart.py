"""Multipart uploads: parts stored sealed as they arrive, the object assembled by reference.

An upload gets its data key when it is created (wrapped under the object's context); each part
is a body of its own, sealed with a key derived from that data key and the part's body id. To
complete, the engine checks the caller's part list (ascending numbers, ETags and checksums that
match, every part but the last at least 5 MiB) and commits a version whose bodies are the
listed parts' files, in order: no byte is copied or re-encrypted. Parts not listed are freed.
Uploads and their parts are rows of the object database, so they survive restarts.
ETag and composite checksums as S3's (`object_checksums`).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from stockade import entropy
from stockade.store.object_bodies import BodyFiles, new_body_id
from stockade.store.object_checksums import (
    StreamHasher,
    composite,
    multipart_etag,
    unb64,
    wanted,
)
from stockade.store.object_errors import (
    EntityTooSmall,
    InvalidPart,
    InvalidPartOrder,
    NoSuchUpload,
)
from stockade.store.object_keys import DataKeys, object_context
from stockade.store.object_limits import (
    OBJECT_MAX,
    PART_MAX,
    PART_MIN,
    check_part_number,
    too_large,
)
from stockade.store.object_ports import (
    Checksums,
    CompletedPart,
    PartInfo,
    PutOptions,
    Upload,
)
from stockade.store.object_rows import (
    Body,
    checksums_json,
    checksums_of,
    meta_json,
    options_json,
    options_of,
)
from stockade.store.object_versions import NewVersion, add_version, require_bucket
from stockade.store.object_writer import ObjectWriter

Read = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

_UPLOAD_COLUMNS = "upload_id, bucket, key, initiated_ms, options, wrapped"
_PART_COLUMNS = "part_number, size, md5, stored_ms, checksums, body"


def _upload_of(row: tuple[Any, ...]) -> Upload:
    upload_id, bucket, key, initiated_ms, options, _ = row
    return Upload(upload_id, bucket, bytes(key).decode(), initiated_ms, options_of(options))


def _part_of(row: tuple[Any, ...]) -> PartInfo:
    number, size, md5, stored_ms, checksums, _ = row
    return PartInfo(number, size, f'"{bytes(md5).hex()}"', stored_ms, checksums_of(checksums))


def _require_upload(db: sqlite3.Connection, upload_id: str) -> tuple[Any, ...]:
    row: tuple[Any, ...] | None = db.execute(
        f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE upload_id = ?",  # noqa: S608
        (upload_id,),
    ).fetchone()
    if row is None:
        raise NoSuchUpload(
            "The specified upload does not exist. The upload ID may be invalid, or the upload"
            " may have been aborted or completed."
        )
    return row


class Multipart:
    def __init__(
        self,
        bodies: BodyFiles,
        keys: DataKeys,
        writer: ObjectWriter,
        read: Read,
        now_ms: Callable[[], int],
    ) -> None:
        self._bodies, self._keys, self._writer = bodies, keys, writer
        self._read, self._now = read, now_ms

    def create(self, bucket: str, key: str, options: PutOptions) -> Upload:
        _, wrapped, encryption = self._keys.new(options.encryption, object_context(bucket, key))
        stored = replace(options, encryption=encryption, expected=Checksums(), expected_md5="")
        upload = Upload(entropy.token_bytes(32).hex(), bucket, key, self._now(), stored)

        def run(db: sqlite3.Connection) -> None:
            require_bucket(db, bucket)
            db.execute(
                f"INSERT INTO uploads ({_UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608
                (upload.upload_id, bucket, key.encode(), upload.initiated_ms,
                 options_json(stored), wrapped),
            )  # fmt: skip

        self._writer.call(run)
        return upload

    def _upload(self, upload_id: str) -> tuple[Upload, bytes]:
        rows = self._read(
            f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE upload_id = ?",  # noqa: S608
            (upload_id,),
        )
        if not rows:
            raise NoSuchUpload("The specified upload does not exist.")
        return _upload_of(rows[0]), bytes(rows[0][5])

    def put_part(
        self,
        upload_id: str,
        number: int,
        chunks: Iterator[bytes],
        expected: Checksums,
        expected_md5: str,
    ) -> PartInfo:
        check_part_number(number)
        upload, wrapped = self._upload(upload_id)
        context = object_context(upload.bucket, upload.key)
        data_key = self._keys.open(upload.options.encryption, wrapped, context)
        body_id = new_body_id()
        hasher = StreamHasher(wanted(upload.options.checksum_algorithm, expected))
        try:
            size = self._bodies.write(body_id, data_key, chunks, hasher, PART_MAX)
            hasher.verify(expected, expected_md5)
            part = PartInfo(number, size, f'"{hasher.md5().hex()}"', self._now(),
                            hasher.checksums())  # fmt: skip

            def run(db: sqlite3.Connection) -> str | None:
                _require_upload(db, upload_id)
                old = db.execute(
                    "SELECT body FROM parts WHERE upload_id = ? AND part_number = ?",
                    (upload_id, number),
                ).fetchone()
                db.execute(
                    f"INSERT OR REPLACE INTO parts (upload_id, {_PART_COLUMNS})"  # noqa: S608
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (upload_id, number, size, hasher.md5(), part.stored_ms,
                     checksums_json(part.checksums), body_id),
                )  # fmt: skip
                return None if old is None else str(old[0])

            replaced = self._writer.call(run)
        except BaseException:
            self._bodies.delete(body_id)
            raise
        if replaced is not None:
            self._bodies.delete(replaced)
        return part

    def parts(self, upload_id: str) -> list[PartInfo]:
        self._upload(upload_id)
        rows = self._read(
            f"SELECT {_PART_COLUMNS} FROM parts WHERE upload_id = ?"  # noqa: S608
            " ORDER BY part_number",
            (upload_id,),
        )
        return [_part_of(r) for r in rows]

    def uploads(self, bucket: str) -> list[Upload]:
        rows = self._read(
            f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE bucket = ?"  # noqa: S608
            " ORDER BY key, initiated_ms",
            (bucket,),
        )
        return [_upload_of(r) for r in rows]

    def complete(
        self, upload_id: str, listed: Sequence[CompletedPart]
    ) -> tuple[Upload, str, list[Body]]:
        if not listed:
            raise InvalidPart("You must specify at least one part.")
        numbers = [p.part_number for p in listed]
        if any(b <= a for a, b in itertools.pairwise(numbers)):
            raise InvalidPartOrder("The list of parts was not in ascending order.")
        for number in numbers:
            check_part_number(number)

        def run(db: sqlite3.Connection) -> tuple[Upload, str, list[Body]]:
            row = _require_upload(db, upload_id)
            upload = _upload_of(row)
            stored = {
                r[0]: r
                for r in db.execute(
                    f"SELECT {_PART_COLUMNS} FROM parts WHERE upload_id = ?",  # noqa: S608
                    (upload_id,),
                )
            }
            chosen = [_check_part(p, stored.get(p.part_number)) for p in listed]
            for info in chosen[:-1]:
                if info.size < PART_MIN:
                    raise EntityTooSmall(
                        "Your proposed upload is smaller than the minimum allowed object size."
                    )
            total = sum(info.size for info in chosen)
            if total > OBJECT_MAX:
                raise too_large(total, OBJECT_MAX)
            algorithm = upload.options.checksum_algorithm
            checksums = Checksums()
            if algorithm is not None:
                raw = [unb64(info.checksums.get(algorithm)) for info in chosen]
                checksums = replace(
                    checksums, **{algorithm.name.lower(): composite(raw, algorithm)}
                )
            etag = multipart_etag([bytes(stored[p.part_number][2]) for p in listed])
            bodies = tuple(Body(str(stored[n][5]), int(stored[n][1])) for n in numbers)
            new = NewVersion(False, total, etag, meta_json(upload.options, checksums, len(listed)),
                             bytes(row[5]), bodies)  # fmt: skip
            version_id, freed = add_version(db, upload.bucket, upload.key.encode(), new,
                                            self._now())  # fmt: skip
            unused = [Body(str(r[5]), int(r[1])) for n, r in stored.items() if n not in numbers]
            db.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            db.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
            return upload, version_id, freed + unused

        result: tuple[Upload, str, list[Body]] = self._writer.call(run)
        return result

    def abort(self, upload_id: str) -> list[Body]:
        def run(db: sqlite3.Connection) -> list[Body]:
            _require_upload(db, upload_id)
            rows = db.execute(
                "SELECT body, size FROM parts WHERE upload_id = ?", (upload_id,)
            ).fetchall()
            db.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            db.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
            return [Body(str(b), int(s)) for b, s in rows]

        freed: list[Body] = self._writer.call(run)
        return freed


def _check_part(listed: CompletedPart, row: tuple[Any, ...] | None) -> PartInfo:
    if row is None:
        raise InvalidPart(
            "One or more of the specified parts could not be found. The part may not have been"
            " uploaded, or the specified entity tag may not match the part's entity tag."
        )
    info = _part_of(row)
    if listed.etag.strip('"') != info.etag.strip('"'):
        raise InvalidPart("The specified entity tag does not match the part's entity tag.")
    for name in ("crc32", "crc32c", "sha1", "sha256"):
        given = getattr(listed.checksums, name)
        if given and given != getattr(info.checksums, name):
            raise InvalidPart(f"The {name.upper()} of part {listed.part_number} does not match.")
    return info
