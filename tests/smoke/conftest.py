"""Fixtures of this area, from the ``postmigration`` package (until the plugin registers them)."""

from postmigration.cleanup import created

__all__ = ["created"]
