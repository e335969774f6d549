# Production image: one image, three roles (web, worker, beat) chosen by the command (docker-compose.yml,
# deploy/kubernetes). It names no payment gateway and allows no sandbox: the deployment's environment does.
# Build: `docker build -t tecnosign:latest .` (README, "Running at scale"). Small: slim base, no compilers, no pip
# cache, no bytecode; non-root: uid 10001 (numeric, so Kubernetes' runAsNonRoot can verify it); runs with a
# read-only root file system (the static files are collected into the image; /tmp is the only writable path needed).

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
RUN pip install -r requirements.txt && groupadd --system --gid 10001 tecnosign \
    && useradd --system --uid 10001 --gid 10001 --home /app --shell /usr/sbin/nologin tecnosign \
    && mkdir -p /var/lib/tecnosign && chown tecnosign:tecnosign /var/lib/tecnosign
COPY . .
COPY --from=browser-bundle /build/static/vendor/ static/vendor/
# collectstatic runs only the static files' checks, so the build needs no gateway and no CA passphrase.
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput

USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "tecnosign.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "gthread", "--threads", "4", "--access-logfile", "-", "--logger-class", "tecnosign.gunicorn_logging.MaskingLogger"]
