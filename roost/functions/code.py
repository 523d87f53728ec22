"""Deployment packages: the zip a function's code comes in, checked, hashed and unpacked once per hash."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path, PurePosixPath

from roost.errors import FunctionError

MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 262_144_000


def code_sha256(package: bytes) -> str:
    """Lambda's CodeSha256: the base64 of the package's SHA-256."""
    return base64.b64encode(hashlib.sha256(package).digest()).decode()


def check_package(package: bytes) -> None:
    """A zip Lambda would accept, or InvalidParameterValueException / RequestTooLargeException."""
    if len(package) > MAX_ZIPPED_BYTES:
        raise FunctionError(
            "RequestEntityTooLargeException",
            f"Zipped size must be smaller than {MAX_ZIPPED_BYTES} bytes",
            status=413,
        )
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            members = archive.infolist()
            bad = archive.testzip()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError):
        raise FunctionError(
            "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ) from None
    if bad is not None:
        raise FunctionError(
            "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        )
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise FunctionError(
            "InvalidParameterValueException",
            f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes",
        )
    for member in members:
        path = PurePosixPath(member.filename)
        if path.is_absolute() or ".." in path.parts:
            raise FunctionError(
                "InvalidParameterValueException",
                f"The deployment package holds a path outside its root: {member.filename}",
            )


class CodeCache:
    """Unpacked packages under `root/<sha256 hex>/`, each unpacked once and never changed after."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)

    def unpacked(self, package: bytes) -> Path:
        target = self.root / hashlib.sha256(package).hexdigest()
        with self._lock:
            if target.is_dir():
                return target
            staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".unpacking-"))
            try:
                with zipfile.ZipFile(io.BytesIO(package)) as archive:
                    archive.extractall(staging)
                    for member in archive.infolist():  # keep the executable bits a zip carries
                        mode = (member.external_attr >> 16) & 0o777
                        if mode:
                            os.chmod(staging / member.filename, mode | 0o400)
                staging.rename(target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        return target
