"""``python -m opsconsole`` runs the CLI, as the installed ``opsconsole`` does."""

from opsconsole.entry_points import opsconsole

raise SystemExit(opsconsole())
