"""BLAS pinned to one thread stays pinned for BLAS libraries loaded afterwards (scipy's own
OpenBLAS loads with the first search or fit that needs it, after the window pinned BLAS)."""
from __future__ import annotations

import json
import subprocess
import sys


def test_a_blas_loaded_after_pinning_runs_one_thread_too():
    code = (
        "import json, numpy\n"
        "from embedscope.core.threads import pin_blas_to_one_thread\n"
        "pin_blas_to_one_thread()\n"
        "import scipy.linalg\n"
        "from threadpoolctl import threadpool_info\n"
        "print(json.dumps([p['num_threads'] for p in threadpool_info()"
        " if p['user_api'] == 'blas']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    threads = json.loads(out)
    assert threads and all(n == 1 for n in threads)
