"""Run every benchmark script in this folder (sorted by name) and print their figures."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("*.py")):
        # lived_in.py's figures are billing_run.py's lived-in shape, printed there on both engines.
        if script.name.startswith("_") or script.name in ("run_all.py", "lived_in.py"):
            continue
        print(f"== {script.stem}", flush=True)
        failed |= subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
