"""The one error surface: every failure reaches the user as one line naming the path or setting
and what to do, with a documented exit code (README "When things go wrong").

`report` turns a known failure class into (message, exit code); anything else is unexpected: one
line plus the file its full traceback was written to (`warehouse/state/logs/`), or the traceback
itself with `roundtrip --debug`.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

EXIT_FAILED = 1  # the run failed: a system, a model or test, a sync, a refused publish; unexpected
EXIT_FIX = 2  # fix something first: a setting, a file, a permission, no warehouse or world yet

# settings that hold a path, checked in this order (a file setting before the folder holding it)
PATH_SETTINGS = (
    "ROUNDTRIP_CONFIG",
    "ROUNDTRIP_SYNCS",
    "ROUNDTRIP_MONITOR_CONFIG",
    "ROUNDTRIP_WAREHOUSE_DIR",
    "ROUNDTRIP_SANDBOX_DIR",
)


class UserError(Exception):
    """A problem the user can fix; the message says what failed, where, and what to do."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _where(filename: object) -> str:
    """The path, named by the setting it comes from when one of them holds it."""
    path = Path(os.fsdecode(filename)).absolute()  # type: ignore[arg-type]
    for name in PATH_SETTINGS:
        value = os.environ.get(name)
        if value and (path == Path(value).absolute() or Path(value).absolute() in path.parents):
            return f"{path} (from {name}={value})"
    return str(path)


def _os_error(exc: OSError) -> str:
    if exc.filename is None:
        return _first_line(exc)
    where = _where(exc.filename)
    if isinstance(exc, IsADirectoryError):
        return f"{where} is a folder where a file was expected; point the setting at a file"
    if isinstance(exc, NotADirectoryError):
        return f"{where}: part of this path is a file where a folder was expected; use a folder"
    if isinstance(exc, PermissionError):
        return f"{where}: permission denied; make it writable by you, or use another folder"
    if isinstance(exc, FileNotFoundError):
        return f"{where}: no such file or folder"
    return f"{where}: {exc.strerror or _first_line(exc)}"


def _known() -> list[tuple[tuple[type[BaseException], ...], int]]:
    """Known failure classes and their exit codes, most specific first (imported on demand)."""
    from connectors.http.errors import VendorError
    from monitor.config import MonitorConfigError
    from pipelines.runner import LoadRefused
    from reverse.specs import SpecError
    from roundtrip.settings import SettingsError
    from sandbox.control import SandboxError
    from sandbox.faults import SandboxSettingError
    from warehouse.lock import WriterBusy
    from warehouse.publish import NotPublished, PublishRefused
    from warehouse.verify import WarehouseDamaged

    return [
        ((LoadRefused, WriterBusy, PublishRefused, VendorError), EXIT_FAILED),
        (
            (
                UserError,
                SettingsError,
                MonitorConfigError,
                SandboxSettingError,
                SandboxError,
                SpecError,
                WarehouseDamaged,
                NotPublished,
            ),
            EXIT_FIX,
        ),
    ]


def report(exc: BaseException) -> tuple[str, int] | None:
    """The one line and exit code for a known failure; None when it is unexpected."""
    import duckdb

    for classes, code in _known():
        if isinstance(exc, classes):
            return _first_line(exc), code
    if isinstance(exc, duckdb.IOException):  # a DuckDB file that cannot be read back
        return (
            f"a warehouse file cannot be read ({_first_line(exc)}); run `roundtrip restore` "
            "(working file) or `roundtrip restore --previous` (published copy)",
            EXIT_FIX,
        )
    if isinstance(exc, OSError):
        return _os_error(exc), EXIT_FIX
    return None


def write_traceback(exc: BaseException, log_dir: Path) -> Path:
    """Write the full traceback to a new file in `log_dir` (else the temp folder); return it."""
    text = "".join(traceback.format_exception(exc))
    name = f"roundtrip-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}.log"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / name
        path.write_text(text)
    except OSError:
        path = Path(tempfile.gettempdir()) / name
        path.write_text(text)
    return path


def unexpected(exc: BaseException, log_dir: Path) -> str:
    """The one line for an unexpected error: what it was and where its traceback is."""
    path = write_traceback(exc, log_dir)
    return (
        f"unexpected {type(exc).__name__}: {_first_line(exc)} (full traceback in {path}; "
        "`roundtrip --debug …` shows it here)"
    )
