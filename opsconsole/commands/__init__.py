"""One module per CLI subcommand: ``register(subparsers, common)`` adds its parser."""
