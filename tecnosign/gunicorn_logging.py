"""gunicorn's own logs (the access log prints every URL, admin searches by CPF included), masked like the portal's.

Used with `gunicorn --logger-class tecnosign.gunicorn_logging.MaskingLogger` (Dockerfile, docker-compose.yml).
"""

from gunicorn.glogging import Logger

from tecnosign.logmask import PersonalDataFilter


class MaskingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, PersonalDataFilter) for existing in log.filters):
                log.addFilter(PersonalDataFilter())
