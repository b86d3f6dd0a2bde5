"""``make bench``: cold-start import time of ``app`` and the size of the Lambda zip.

Figures are medians over several fresh interpreter processes; goals (issue #3): import ≤ 150 ms with lazy
imports, zip ≤ 15 MB. Benchmarks report; they never fail the test suite.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9
IMPORT_GOAL_MS = 150
ZIP_GOAL_MB = 15

_PROBE = "import time; t = time.perf_counter(); import app; print((time.perf_counter() - t) * 1000)"


def import_times() -> list[float]:
    env = {**os.environ, "PORTICO_STAGE": "prod", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "0"}
    times = []
    for _ in range(RUNS + 1):  # the first run writes bytecode caches; it is not counted
        out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=env, check=True, capture_output=True,
                             text=True).stdout
        times.append(float(out.strip().splitlines()[-1]))
    return times[1:]


def main() -> int:
    times = import_times()
    median = statistics.median(times)
    print(f"import app: median {median:.1f} ms, min {min(times):.1f}, max {max(times):.1f} over {RUNS} fresh "
          f"processes (goal ≤ {IMPORT_GOAL_MS} ms: {'met' if median <= IMPORT_GOAL_MS else 'NOT met'})")
    zip_path = ROOT / "build" / "package" / "deployment.zip"
    if zip_path.exists():
        size = zip_path.stat().st_size / 1e6
        print(f"deployment.zip: {size:.1f} MB (goal ≤ {ZIP_GOAL_MB} MB: {'met' if size <= ZIP_GOAL_MB else 'NOT met'})")
    else:
        print("deployment.zip: not built (run `make package`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
