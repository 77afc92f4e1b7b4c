"""Async clients for Prometheus, Alertmanager, Loki and Jaeger.

Each client takes an :class:`~opsconsole.config.EndpointSettings`, applies the
shared transport policy (:mod:`opsconsole.backends.transport`), returns pydantic
models, and raises only :class:`~opsconsole.backends.errors.BackendError`.
Each has ``async probe() -> BackendInfo`` for ``opsconsole check``.
No textual here.
"""
