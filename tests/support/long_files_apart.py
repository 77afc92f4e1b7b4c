"""The test command's scheduler: pytest-xdist's ``--dist loadfile``, with no long file queued behind
another long one in the same process.

xdist hands a process its next file while it still has two tests or fewer to run (a process starts
a test only once it knows which comes next). A file of one long test, each soak, therefore always
drew the next file in the queue behind it: in a run of the long files at four processes, both soaks
ran one after the other in one process (198 s, then 109 s) while the other three had work of their
own and then ran out. Here a process still busy with a long file is handed the first short file
waiting instead, and the long ones go to the processes that come free.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xdist.scheduler import LoadFileScheduling


class LongFilesApart(LoadFileScheduling):
    """``--dist loadfile`` that queues a short file, not a long one, behind a long file."""

    def __init__(self, config: Any, log: Any = None, *, long_files: Iterable[str] = ()) -> None:
        super().__init__(config, log)
        self.long_files = frozenset(long_files)

    def is_long(self, scope: str) -> bool:
        """Whether the file ``scope`` (a path) is one of the long files, by its name."""
        return scope.rsplit("/", 1)[-1] in self.long_files

    def _assign_work_unit(self, node: Any) -> None:
        busy_with_long = any(
            self.is_long(scope) and not all(tests.values())
            for scope, tests in self.assigned_work.get(node, {}).items()
        )
        if busy_with_long:
            short = next((scope for scope in self.workqueue if not self.is_long(scope)), None)
            if short is not None:
                self.workqueue.move_to_end(short, last=False)
        super()._assign_work_unit(node)
