"""`python -m bim.peak OUT MODULE ARGS...`: run MODULE as __main__ and write its peak resident
memory in MB to the file OUT when it exits.

The peak is the process's own high-water mark (VmHWM of /proc/self/status), which starts afresh
at exec. The rusage a parent reads with wait4 does not: Linux carries the RSS of the process that
spawned the child into the child's ru_maxrss, so a large parent (a Django command that has just
built a model) would inflate every figure it measured.
"""

import atexit
import resource
import runpy
import sys


def peak_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    out, module, *args = sys.argv[1:]

    def report():
        with open(out, "w") as f:
            f.write(f"{peak_mb():.1f}")

    atexit.register(report)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
