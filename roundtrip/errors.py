"""Errors a user can act on: the CLI prints the message on one line and exits with code 2."""


class UserError(Exception):
    """A problem the user can fix; the message says what failed, where, and what to do."""
