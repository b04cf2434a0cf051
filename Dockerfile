# edcissuer serve: the issuing and verifying service (docs/deployment.md, "Container").
#
#   docker build -t edcissuer .
#   docker run -d -p 8080:8080 -v "$PWD/config:/config:ro" -v edcissuer-data:/var/lib/edcissuer \
#       -e LEDGER_DSN=postgresql://... edcissuer
#
# The image holds the code only: no key, no profile, no ledger. The issuer profile and its
# key files are mounted read-only at /config (owned by uid 10001, mode 0600: the profile is
# refused when another user owns it); the ledger (SQLite), issued files and the audit log go
# to /var/lib/edcissuer, or the ledger to PostgreSQL through ledger.dsn_env.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY contexts ./contexts
COPY src ./src
RUN pip install --prefix=/install ".[service,postgres]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/edcissuer --create-home \
        --shell /usr/sbin/nologin edcissuer \
    && chmod 0700 /var/lib/edcissuer
USER 10001:10001
WORKDIR /var/lib/edcissuer
VOLUME ["/config", "/var/lib/edcissuer"]
EXPOSE 8080
# no curl in the slim image: the health probe is the image's own Python
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status != 200)"]
# --forwarded-allow-ips: the reverse proxy's address (here Docker's private bridge networks);
# override CMD with your proxy's address when it is elsewhere
CMD ["edcissuer", "--config", "/config/edcissuer.toml", "serve", "--host", "0.0.0.0", "--port", "8080", \
     "--workers", "2", "--proxy-headers", "--forwarded-allow-ips", "172.16.0.0/12"]
