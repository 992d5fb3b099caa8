# Opora: the API server on Debian 12 (bookworm).
#   docker build -t opora .          (or: docker compose up --build)
# The image runs `opora migrate` and then `opora serve` on 0.0.0.0:8080;
# configure it with DATABASE_URL and the other OPORA_* variables (README.md).
#
# It cannot drift from the build: the build stage builds as scripts/lib.sh's
# `build` does and makes the Debian package (cpack), and the runtime stage
# installs that package, whose dependencies dpkg-shlibdeps computed from the
# binary. tests/package/check_image.sh (scripts/test.sh) checks that the
# build stage installs the -dev package of every library CMakeLists.txt looks
# for, and that the runtime stage gets every library the binary loads.

FROM debian:bookworm AS build
# nodejs and npm: assets the build takes from npm packages. dpkg-dev and
# file: cpack's dpkg-shlibdeps.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libpq-dev \
      libsodium-dev libxlsxwriter-dev nodejs npm dpkg-dev file ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN bash -c '. scripts/lib.sh && build /build -DOPORA_TESTS=OFF' \
 && cd /build && cpack -G DEB \
 && mkdir /deb && cp opora_*.deb /deb/

FROM debian:bookworm-slim
COPY --from=build /deb/ /tmp/deb/
# The package brings its libraries and makes the system user opora; curl is
# for the health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      /tmp/deb/opora_*.deb curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/deb
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
