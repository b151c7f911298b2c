"""The host name a Celery worker of tests/system/test_distributed.py reports for its tasks.

Both test workers run on one machine; Airflow's `[core] hostname_callable` pointed here gives each
its own name (PORTALNEWS_TEST_WORKER), so the task instances show which worker ran them.
"""

import os
import socket


def worker_name() -> str:
    return os.environ.get("PORTALNEWS_TEST_WORKER") or socket.getfqdn()
