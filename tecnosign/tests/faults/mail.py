"""An e-mail backend for worker subprocesses: writes messages to files, and can be held mid-send.

While the file named by `TECNOSIGN_TEST_MAIL_HOLD` exists, a send announces itself (`<hold>.held`) and waits,
so a test can kill the worker after the outbox row was claimed and before anything reached the mail server.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class HoldingEmailBackend(EmailBackend):
    def send_messages(self, email_messages):
        hold = os.environ.get("TECNOSIGN_TEST_MAIL_HOLD")
        if hold and Path(hold).exists():
            Path(f"{hold}.held").touch()
            while Path(hold).exists():
                time.sleep(0.05)
        return super().send_messages(email_messages)
