# Opora: the API server on Debian 12 (bookworm).
#   docker build -t opora .          (or: docker compose up --build)
# The image runs `opora migrate` and then `opora serve` on 0.0.0.0:8080;
# configure it with DATABASE_URL and the other OPORA_* variables (README.md).

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libpq-dev \
      libsodium-dev libxlsxwriter-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPORA_TESTS=OFF \
 && cmake --build /build -j "$(nproc)" \
 && strip --strip-debug /build/opora

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libpq5 libsodium23 libxlsxwriter4 curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin opora
COPY --from=build /build/opora /usr/local/bin/opora
# Excel tables are written here while they are made (OPORA_TMP_DIR); the
# image's /tmp is writable by every user.
ENV OPORA_TMP_DIR=/tmp
USER opora
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8080/ready || exit 1
# Extra arguments (docker run ... opora-image --threads 4) go to `opora serve`.
ENTRYPOINT ["/bin/sh", "-c", "opora migrate && exec opora serve --listen 0.0.0.0:8080 \"$@\"", "opora"]
CMD []
