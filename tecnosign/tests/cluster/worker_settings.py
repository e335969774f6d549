"""Settings of a Celery worker of the cluster test: the fault tests' worker (production, e-mail written to files in
`TECNOSIGN_TEST_MAIL_DIR`, abandoned tasks restored every second) that also knows the cluster's periodic probe."""

from tecnosign.tests.faults.worker_settings import *  # noqa: F403

CELERY_IMPORTS = ["tecnosign.tests.cluster.probe"]
