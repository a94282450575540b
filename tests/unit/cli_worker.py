"""Runs CLI commands in one child process, as the concurrency tests need them fast.

``python cli_worker.py``: for each line on stdin (a JSON list of arguments),
run ``territory-planner ARGS`` (`territory_planner.cli.main`) and print only
its exit code. Python and its libraries load once, so a test can start the same
command in two processes at the same moment many times over.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys

from territory_planner.cli import main

if __name__ == "__main__":
    print("ready", flush=True)
    for line in sys.stdin:
        with contextlib.redirect_stdout(io.StringIO()):  # the command's own output
            code = main(json.loads(line))
        print(code, flush=True)
