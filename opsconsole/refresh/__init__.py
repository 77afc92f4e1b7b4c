"""The refresh service: runs a pack's queries against the backends and builds the dashboard model."""
