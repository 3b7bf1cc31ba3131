"""Project root. The plugin itself loads through its ``pytest11`` entry point
(``postmigration.plugin``); ``pytester`` serves the plugin's own tests in ``selftests/core``."""

pytest_plugins = ["pytester"]
