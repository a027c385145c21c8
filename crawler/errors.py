"""Errors a user can cause and fix: the `nianbao` command prints them as one line, never a traceback."""

from __future__ import annotations

# Exit codes of the `nianbao` command (README: "Exit codes").
EXIT_OK = 0
EXIT_BAD_INPUT = 1  # the input was bad, or a check failed
EXIT_NOTHING_CRAWLED = 2
EXIT_SPOOL_ONLY = 3  # stored in the local spool only: the upload failed


class UserError(Exception):
    """Bad input or an unusable environment, with what to do about it.

    Raised anywhere below the command; `crawler.cli.main` prints `nianbao: <message>` and exits
    with `exit_code`.
    """

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.exit_code = exit_code
