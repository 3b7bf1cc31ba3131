"""The error of a committed snapshot file (the schema's or the policies') that cannot be read."""


class SnapshotUnreadable(Exception):
    """The snapshot file is not one this tool wrote; the message says what is wrong and how
    to write it again."""
