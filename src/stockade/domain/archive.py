"""Deployment packages (zip) treated as hostile input.

Two passes. The structural pass reads only the central directory and the local headers and
rejects what could escape or overlap: absolute or `..` paths, backslashes, links and device
entries, duplicate or file/directory-conflicting names, encrypted entries, compression methods
other than stored/deflate, entries whose bytes overlap (the non-recursive zip bomb) and
declared sizes over the limits. The streaming pass decompresses in bounded chunks, counting
the bytes actually produced, so a lying header cannot push output past the limits; CRCs are
checked by `zipfile` at the end of each entry.

Messages are safe to show the caller: they name entries (truncated) and limits, never content.
"""

from __future__ import annotations

import io
import itertools
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stockade.domain import limits
from stockade.domain.errors import (
    ArchiveTooLargeError,
    CorruptArchiveError,
    HostileArchiveError,
)

CORRUPT_MESSAGE = "Could not unzip uploaded file. Please check your file, then try to upload again."
_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ALLOWED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_NAME_SHOWN_MAX = 120


@dataclass(frozen=True)
class ArchiveLimits:
    max_unzipped_bytes: int = limits.UNZIPPED_BYTES_MAX
    max_entries: int = 100_000
    # Deflate cannot exceed ~1032:1, so a higher ratio means a crafted stream; the floor
    # spares tiny, highly regular files.
    max_ratio: int = 1032
    ratio_floor_bytes: int = 1024 * 1024
    max_path_bytes: int = 4096


@dataclass(frozen=True)
class ArchiveEntry:
    path: str  # normalised, relative, '/'-separated
    is_dir: bool
    size: int
    executable: bool


@dataclass(frozen=True)
class ArchiveManifest:
    entries: tuple[ArchiveEntry, ...]
    unzipped_size: int  # bytes actually produced by decompression


def inspect_archive(data: bytes, archive_limits: ArchiveLimits) -> ArchiveManifest:
    """Validate `data` fully (structure and every byte) without writing anything."""
    with _open(data) as zf:
        planned = _plan(zf, data, archive_limits)
        produced = 0
        for info, entry in planned:
            if not entry.is_dir:
                for chunk in _stream(zf, info):
                    produced += len(chunk)
                    _check_total(produced, archive_limits)
    return ArchiveManifest(tuple(entry for _, entry in planned), produced)


def extract_archive(data: bytes, dest: Path, archive_limits: ArchiveLimits) -> ArchiveManifest:
    """Validate and extract into the empty directory `dest`.

    On error `dest` may hold part of the tree: the caller owns it and removes it.
    Files are created exclusively and never through links, so nothing lands outside `dest`.
    """
    with _open(data) as zf:
        planned = _plan(zf, data, archive_limits)
        produced = 0
        dest_fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for info, entry in planned:
                if entry.is_dir:
                    _makedirs(dest_fd, entry.path)
                    continue
                parent = PurePosixPath(entry.path).parent
                if str(parent) != ".":
                    _makedirs(dest_fd, str(parent))
                mode = 0o755 if entry.executable else 0o644
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
                fd = os.open(entry.path, flags, mode, dir_fd=dest_fd)
                with os.fdopen(fd, "wb") as out:
                    for chunk in _stream(zf, info):
                        produced += len(chunk)
                        _check_total(produced, archive_limits)
                        out.write(chunk)
                os.chmod(entry.path, mode, dir_fd=dest_fd)  # umask-independent
        finally:
            os.close(dest_fd)
    return ArchiveManifest(tuple(entry for _, entry in planned), produced)


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise CorruptArchiveError(CORRUPT_MESSAGE) from exc
    except NotImplementedError as exc:  # multi-disk archives
        raise CorruptArchiveError(CORRUPT_MESSAGE) from exc


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    try:
        with zf.open(info) as src:
            while chunk := src.read(_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError) as exc:
        raise CorruptArchiveError(CORRUPT_MESSAGE) from exc
    except NotImplementedError as exc:
        raise CorruptArchiveError(CORRUPT_MESSAGE) from exc


def _check_total(produced: int, archive_limits: ArchiveLimits) -> None:
    if produced > archive_limits.max_unzipped_bytes:
        raise ArchiveTooLargeError(
            f"Unzipped size must be smaller than {archive_limits.max_unzipped_bytes} bytes"
        )


def _plan(
    zf: zipfile.ZipFile, data: bytes, archive_limits: ArchiveLimits
) -> list[tuple[zipfile.ZipInfo, ArchiveEntry]]:
    infos = zf.infolist()
    if len(infos) > archive_limits.max_entries:
        raise ArchiveTooLargeError(
            f"The archive has more than {archive_limits.max_entries} entries"
        )
    files: set[str] = set()
    dirs: set[str] = set()
    declared = 0
    planned: list[tuple[zipfile.ZipInfo, ArchiveEntry]] = []
    for info in infos:
        entry = _entry(info, archive_limits)
        if entry.path in files or entry.path in dirs:
            raise HostileArchiveError(f"The archive has a duplicate entry: {_shown(entry.path)}")
        for ancestor in PurePosixPath(entry.path).parents:
            if str(ancestor) in files:
                raise HostileArchiveError(
                    f"The archive entry {_shown(entry.path)} is inside a file entry"
                )
            if str(ancestor) != ".":
                dirs.add(str(ancestor))
        if entry.is_dir:
            dirs.add(entry.path)
        else:
            if entry.path in dirs:
                raise HostileArchiveError(
                    f"The archive has a duplicate entry: {_shown(entry.path)}"
                )
            files.add(entry.path)
            declared += entry.size
            _check_total(declared, archive_limits)
        planned.append((info, entry))
    _check_no_overlap(infos, data, zf.start_dir)
    return planned


def _entry(info: zipfile.ZipInfo, archive_limits: ArchiveLimits) -> ArchiveEntry:
    path = _safe_path(info.filename, archive_limits)
    if info.flag_bits & 0x1:
        raise HostileArchiveError(f"The archive entry {_shown(path)} is encrypted")
    if info.compress_type not in _ALLOWED_METHODS:
        raise HostileArchiveError(
            f"The archive entry {_shown(path)} uses an unsupported compression method"
        )
    mode = info.external_attr >> 16 if info.create_system == 3 else 0
    kind = stat.S_IFMT(mode)
    is_dir = info.filename.endswith("/") or kind == stat.S_IFDIR
    if stat.S_ISLNK(mode):
        raise HostileArchiveError(f"The archive entry {_shown(path)} is a symbolic link")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise HostileArchiveError(f"The archive entry {_shown(path)} is not a regular file")
    if is_dir and info.file_size:
        raise HostileArchiveError(f"The archive entry {_shown(path)} is a directory with data")
    if (
        info.file_size > archive_limits.ratio_floor_bytes
        and info.file_size > max(info.compress_size, 1) * archive_limits.max_ratio
    ):
        raise HostileArchiveError(
            f"The archive entry {_shown(path)} exceeds the compression ratio limit of"
            f" {archive_limits.max_ratio}:1"
        )
    return ArchiveEntry(path, is_dir, 0 if is_dir else info.file_size, bool(mode & 0o111))


def _safe_path(name: str, archive_limits: ArchiveLimits) -> str:
    shown = _shown(name)
    if not name or "\x00" in name:
        raise HostileArchiveError(f"The archive has an entry with an invalid name: {shown}")
    if len(name.encode("utf-8", "surrogatepass")) > archive_limits.max_path_bytes:
        raise HostileArchiveError(f"The archive entry name is too long: {shown}")
    if "\\" in name:
        raise HostileArchiveError(f"The archive entry {shown} uses '\\' as a path separator")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise HostileArchiveError(f"The archive entry {shown} has an absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise HostileArchiveError(f"The archive entry {shown} points outside the archive root")
    if not parts:
        raise HostileArchiveError(f"The archive has an entry with an invalid name: {shown}")
    if any(len(part.encode("utf-8", "surrogatepass")) > 255 for part in parts):
        raise HostileArchiveError(f"The archive entry name is too long: {shown}")
    return "/".join(parts)


def _check_no_overlap(infos: list[zipfile.ZipInfo], data: bytes, central_start: int) -> None:
    """Each entry's local header and data must lie in its own byte range before the central
    directory; overlapping ranges are how non-recursive zip bombs reuse one compressed kernel."""
    spans: list[tuple[int, int]] = []
    for info in infos:
        start = info.header_offset
        header = data[start : start + _LOCAL_HEADER.size]
        if len(header) < _LOCAL_HEADER.size:
            raise CorruptArchiveError(CORRUPT_MESSAGE)
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != _LOCAL_SIGNATURE:
            raise CorruptArchiveError(CORRUPT_MESSAGE)
        end = start + _LOCAL_HEADER.size + fields[9] + fields[10] + info.compress_size
        if end > central_start:
            raise CorruptArchiveError(CORRUPT_MESSAGE)
        spans.append((start, end))
    spans.sort()
    for (_, previous_end), (next_start, _) in itertools.pairwise(spans):
        if next_start < previous_end:
            raise HostileArchiveError("The archive has overlapping entries")


def _makedirs(dest_fd: int, relative: str) -> None:
    current = ""
    for part in relative.split("/"):
        current = f"{current}/{part}" if current else part
        try:
            os.mkdir(current, 0o755, dir_fd=dest_fd)
        except FileExistsError:
            if not stat.S_ISDIR(os.stat(current, dir_fd=dest_fd, follow_symlinks=False).st_mode):
                raise HostileArchiveError(
                    f"The archive entry {_shown(relative)} conflicts with a file"
                ) from None


def _shown(name: str) -> str:
    text = name if len(name) <= _NAME_SHOWN_MAX else name[:_NAME_SHOWN_MAX] + "..."
    return repr(text)
