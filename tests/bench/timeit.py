#!/usr/bin/env python3
"""Runs a command N times; prints the median wall time, the median CPU time
(user + system, children included) and the largest peak RSS, as one JSON line.

    timeit.py N [--ok CODES] -- COMMAND [ARG...]

Standard output and error of the command are discarded. An exit code outside
CODES (default 0,1) fails the measurement: a benchmark never times a crash.
"""
import json
import os
import statistics
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    if "--" not in args or not args or not args[0].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    runs = int(args[0])
    ok = {0, 1}
    if "--ok" in args[: args.index("--")]:
        ok = {int(c) for c in args[args.index("--ok") + 1].split(",")}
    command = args[args.index("--") + 1 :]
    walls, cpus, rss = [], [], 0
    devnull = os.open(os.devnull, os.O_WRONLY)
    for _ in range(runs):
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            try:
                os.execvp(command[0], command)
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        rss = max(rss, usage.ru_maxrss)
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            print(f"timeit: `{' '.join(command)}` exited {code}", file=sys.stderr)
            return 1
    print(json.dumps({
        "runs": runs,
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "rss_kib": rss,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
