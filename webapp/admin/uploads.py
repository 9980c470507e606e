"""Turn an uploaded file into a data folder or workbook on disk, refusing what is not one.

A ``.xlsx`` workbook is kept as it is; a ``.zip`` of CSV files is unpacked into a fresh folder,
taking only the files the data contract names (by their base name, wherever they sit in the
archive), never writing outside that folder and never more than the byte limit of the
:class:`~graph_schema.contract.limits.ReadLimits` given (the site passes its settings'
``read_limits``), counted while unpacking: the sizes an archive states can lie. A workbook's own limits are checked when it is read.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from graph_schema.contract.limits import DEFAULT_LIMITS, ReadLimits
from graph_schema.contract.tables import CONTRACT_TABLES
from graph_schema.errors import Problem, ValidationError

__all__ = ["save_upload", "safe_name"]

_FILENAMES = {t.filename: t.filename for t in CONTRACT_TABLES.values()}


def safe_name(name: str, default: str = "upload") -> str:
    """A file name to show and store: no folders, no characters that file systems refuse.

    Examples
    --------
    >>> safe_name("C:\\\\数据\\\\泰安 2020.xlsx")
    '泰安 2020.xlsx'
    >>> safe_name("../../etc/passwd")
    'passwd'
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r'[\x00-\x1f:*?"<>|]', "_", base).strip(" .")
    return base[:120] or default


def _refuse(label: str, message: str) -> ValidationError:
    return ValidationError([Problem(label, 0, "", message)])


def save_upload(
    stream: BinaryIO, filename: str, folder: Path, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[Path, str]:
    """Write the upload under ``folder``; return the path to import and the name to show.

    A ``.zip`` unpacks to at most ``limits.max_unpacked_bytes`` (a zip bomb is refused, not
    unpacked).

    Raises
    ------
    ValidationError
        The upload is not an ``.xlsx`` workbook or a readable ``.zip`` of contract CSV files.
    """
    name = safe_name(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".zip"):
        raise _refuse(name, "is neither an .xlsx workbook nor a .zip of CSV files")
    upload = folder / ("upload" + suffix)
    with upload.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
    if suffix == ".xlsx":
        # Keep the person's own file name: problems are reported as "<name>[sheet]:line".
        shown = folder / "book"
        shown.mkdir()
        return upload.rename(shown / name), name
    return _unzip(upload, folder / "data", name, limits.max_unpacked_bytes), name


def _unzip(archive: Path, dest: Path, label: str, limit: int) -> Path:
    dest.mkdir()
    try:
        with zipfile.ZipFile(archive) as zf:
            members: dict[str, zipfile.ZipInfo] = {}
            for info in zf.infolist():
                base = PurePosixPath(info.filename.replace("\\", "/")).name
                if info.is_dir() or base.startswith("._"):  # macOS resource forks
                    continue
                key = _FILENAMES.get(base.lower())
                if key is None:
                    continue
                if key in members:
                    raise _refuse(
                        label, f"holds {key} twice ({members[key].filename}, {info.filename})"
                    )
                members[key] = info
            if not members:
                wanted = ", ".join(sorted(_FILENAMES))
                raise _refuse(label, f"holds no data files (expected CSV files named {wanted})")
            budget = limit
            if sum(info.file_size for info in members.values()) > budget:
                raise _refuse(label, _too_large(limit))  # stated honestly: no need to unpack
            for key, info in members.items():
                budget = _copy_member(zf, info, dest / key, budget, label, limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise _refuse(label, f"is not a readable .zip archive: {exc}") from None
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, or an unknown compression
        raise _refuse(label, f"cannot be unpacked: {exc}") from None
    return dest


def _copy_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, label: str, limit: int
) -> int:
    # Count what is actually unpacked: the sizes written in an archive can lie.
    with zf.open(info) as src, target.open("wb") as out:
        while chunk := src.read(1024 * 1024):
            budget -= len(chunk)
            if budget < 0:
                raise _refuse(label, _too_large(limit))
            out.write(chunk)
    return budget


def _too_large(limit: int) -> str:
    return (
        f"unpacks to more than {limit // 2**20:,} MB (the limit for one upload); "
        "split it, or import the folder from the command line (baotuan import)"
    )
