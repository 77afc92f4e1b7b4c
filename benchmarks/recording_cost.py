"""What recording costs: the file size of a simulated day at a 5 s refresh on the demo stack, and the
time recording adds to each refresh (median). Prints the figures.

    python benchmarks/recording_cost.py [--hours 24] [--interval 5] [--sample-every 1]

The demo stack runs on an accelerated clock: each refresh moves it on by the interval, so a day of
simulated time passes as fast as the refreshes run (the scripted incident, then calm). Every refresh
is a real refresh of the console's service against the demo stack, logs polled as `opsconsole record`
does; the recording cost is the time spent in the recorder (encode, redact, compress, write) alone.

``--sample-every N`` refreshes the stack only every Nth step and records the last real board
re-stamped with the step's time in between (the figures then say so): a day at 5 s is 17,280
refreshes, hours of machine time; N=12 keeps the file honest about churn once a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from opsconsole.demo.stack import BackgroundStack, DemoStack
from opsconsole.launch import demo_options
from opsconsole.recording.session import RecordingSession
from opsconsole.recording.store import RecordingReader, RecordingWriter

START = 1_795_000_000.0


@dataclass
class SteppedClock:
    now: float

    def __call__(self) -> float:
        return self.now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--sample-every", type=int, default=1, metavar="N")
    args = parser.parse_args()
    steps = int(args.hours * 3600 / args.interval)
    clock = SteppedClock(START)
    background = BackgroundStack(DemoStack(clock=clock, lead_in=0.0))
    urls = background.start()
    folder = Path(tempfile.mkdtemp(prefix="recording-cost-"))
    path = folder / "day.opsrec"
    costs: list[float] = []
    refresh_seconds: list[float] = []
    try:
        options = demo_options(urls, clock=clock, auto_refresh=False)
        service = options.make_service("demo", options.pack)
        session = RecordingSession.start(RecordingWriter(path, context="demo", pack=options.pack), None)

        async def run() -> None:
            board = None
            try:
                for step in range(steps):
                    clock.now = START + step * args.interval
                    if board is None or step % args.sample_every == 0:
                        began = time.perf_counter()
                        board = await service.refresh()
                        refresh_seconds.append(time.perf_counter() - began)
                    else:
                        board = replace(board, now=clock.now)
                    began = time.perf_counter()
                    session.add(board)
                    costs.append(time.perf_counter() - began)
                    if step % 720 == 0:
                        print(
                            f"  {step * args.interval / 3600:5.1f} h simulated, "
                            f"{path.stat().st_size / 1e6:7.1f} MB",
                            flush=True,
                        )
            finally:
                await service.backends.aclose()

        asyncio.run(run())
        session.close()
    finally:
        background.stop()
    size = path.stat().st_size
    with RecordingReader(path) as reader:
        frames = len(reader.frames)
        dropped = reader.info.dropped_frames
    print(
        f"simulated {args.hours:g} h at a {args.interval:g} s refresh: {steps} refreshes recorded "
        f"({len(refresh_seconds)} real refreshes of the demo stack"
        + (f", one every {args.sample_every} steps, re-stamped between" if args.sample_every > 1 else "")
        + ")"
    )
    print(
        f"file size: {size / 1e6:.1f} MB ({size / steps / 1024:.2f} KiB per refresh), "
        f"{frames} refreshes kept, {dropped} dropped by the cap"
    )
    if args.hours < 24:
        print(f"a day (17,280 refreshes) at this rate: {size / steps * 17280 / 1e6:.0f} MB")
    print(
        f"recording cost per refresh: median {statistics.median(costs) * 1000:.2f} ms, "
        f"p95 {statistics.quantiles(costs, n=20)[-1] * 1000:.2f} ms "
        f"(the refresh itself: median {statistics.median(refresh_seconds) * 1000:.0f} ms)"
    )
    path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
