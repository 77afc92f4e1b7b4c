"""The simulated stack behind `opsconsole demo` (and many tests)."""
