"""``python -m opsconsole`` runs the CLI."""

from opsconsole.cli import main

raise SystemExit(main())
