"""Entry script of the frozen app: the same as the `embedscope` command (embedscope.cli:main)."""
import multiprocessing
import sys

if __name__ == "__main__":
    # joblib/loky (used by scikit-learn and pynndescent) may start worker processes; a frozen
    # executable must route those back into the worker code instead of starting the app again.
    multiprocessing.freeze_support()
    from embedscope.cli import main

    sys.exit(main())
