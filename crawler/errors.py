"""Errors a user can cause and fix: the `nianbao` command prints them as one line, never a traceback.

This module imports nothing of the project, so every layer may raise a UserError: the archive
(a store that refuses its credentials), the reader (a file that is no page) and the command.
"""

from __future__ import annotations

from pathlib import Path

# Exit codes of the `nianbao` command (README: "Exit codes").
EXIT_OK = 0
EXIT_BAD_INPUT = 1  # the input was bad, or a check failed
EXIT_NOTHING_CRAWLED = 2
EXIT_SPOOL_ONLY = 3  # stored in the local spool only: the upload failed
EXIT_BUG = 70  # an unexpected error: a bug to report (sysexits' EX_SOFTWARE)


class UserError(Exception):
    """Bad input or an unusable environment, with what to do about it.

    Raised anywhere below the command; `crawler.cli.main` prints `nianbao: <message>` and exits
    with `exit_code`.
    """

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.exit_code = exit_code


def read_input(path: str | Path, what: str = "file") -> bytes:
    """A file the user named, read whole; a missing or unreadable one is a UserError."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError(f"no such {what}: {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not a {what}") from None
    except PermissionError:
        raise UserError(f"cannot read {path}: permission denied") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
