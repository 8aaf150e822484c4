"""Entry script of the frozen application (PyInstaller runs this as ``studio``)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # The job workers are spawned processes that re-run this executable: freeze_support()
    # turns such a child into a worker instead of a second studio.
    multiprocessing.freeze_support()
    from studio.cli import main

    sys.exit(main())
