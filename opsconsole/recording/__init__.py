"""Incident recordings: every refresh's dashboard, the log lines shown and every change sent, in one
SQLite file that ``snapshot --replay``, ``opsconsole replay`` and ``opsconsole timeline`` read back."""
