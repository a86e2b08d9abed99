# supportbot in a container: a slim Python base, the versions of constraints.txt, a
# non-root user, `supportbot serve` by default, and a health check on GET /livez.
#
#   docker build -t supportbot .
#   docker run -e SLACK_BOT_TOKEN=… -e SLACK_SIGNING_SECRET=… -e DATABASE_URL=postgresql://… -p 3000:3000 supportbot
#   docker run … supportbot doctor          # any other command: `supportbot <command>`
#
# The image holds the example policy and starter knowledge base (`supportbot init`) in
# /srv/supportbot; mount your own app.yaml and kb/ there (or set SUPPORTBOT_CONFIG).
# compose.yaml runs it with PostgreSQL.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN python3 -m venv /opt/supportbot \
 && /opt/supportbot/bin/pip install --no-cache-dir --disable-pip-version-check -c constraints.txt .

FROM ${BASE_IMAGE}
COPY --from=build /opt/supportbot /opt/supportbot
ENV PATH=/opt/supportbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    SUPPORTBOT_CONFIG=/srv/supportbot/app.yaml \
    DATABASE_URL=sqlite:////srv/supportbot/data/supportbot.db
RUN useradd --system --uid 10001 --home-dir /srv/supportbot --shell /usr/sbin/nologin supportbot \
 && supportbot init /srv/supportbot > /dev/null \
 && mkdir /srv/supportbot/data \
 && chown -R supportbot:supportbot /srv/supportbot
USER supportbot
WORKDIR /srv/supportbot
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('PORT', '3000'), timeout=4)"]
ENTRYPOINT ["supportbot"]
CMD ["serve"]
