# Production image: one image, three roles (web, worker, beat) chosen by the compose command.
# It names no payment gateway and allows no sandbox: the deployment's environment does (docker-compose.yml).

# The A1 issuance page's PKI.js, from the pinned npm packages, bundled into static/vendor/pki.js (`npm run build`).
FROM node:20-slim AS browser-bundle
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY js ./js
RUN npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    TECNOSIGN_VAR_DIR=/var/lib/tecnosign
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt && useradd --system --home /app tecnosign \
    && mkdir -p /var/lib/tecnosign && chown tecnosign /var/lib/tecnosign
COPY . .
COPY --from=browser-bundle /build/static/vendor/ static/vendor/
# collectstatic runs only the static files' checks, so the build needs no gateway and no CA passphrase.
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput

USER tecnosign
EXPOSE 8000
CMD ["gunicorn", "tecnosign.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "gthread", "--threads", "4", "--access-logfile", "-", "--logger-class", "tecnosign.gunicorn_logging.MaskingLogger"]
