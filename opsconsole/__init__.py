"""opsconsole: a terminal operations console for on-call engineers.

This module must stay import-light (no third-party imports): ``opsconsole.devenv``
is run by a bare ``python3`` before any dependency is installed.
"""

__version__ = "0.1.0"
