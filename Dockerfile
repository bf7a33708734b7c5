# syntax=docker/dockerfile:1
# Build: docker build -t sshblog .
# Run:   docker run -d --name sshblog -p 22:23234 -p 80:8080 \
#          -v sshblog-data:/data -v "$PWD/keys:/keys:ro" sshblog
#
# /data (the database and the host key) is a named volume: the image makes
# the folder the non-root user's, and a fresh named volume starts as a copy
# of it, so it is writable from the first start. Authors' keys are a folder
# of NAME.pub files of your own, mounted read-only at /keys, apart from the
# data. A bind mount of a host folder at /data must be writable by uid
# 65532 (sudo chown 65532:65532 DIR).
# HTTPS by ACME (README, "HTTPS without a proxy"):
#        docker run -d --name sshblog -p 22:23234 -p 80:80 -p 443:443 \
#          -e BLOG_DOMAIN=blog.example -e BLOG_HTTP_ADDR=:80 \
#          -v sshblog-data:/data -v "$PWD/keys:/keys:ro" sshblog
#        (the certificates are kept in the volume, /data/certs)

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY third_party ./third_party
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/sshblog ./cmd/sshd
# The folders the blog uses, owned by distroless's nonroot user (65532).
RUN mkdir -p /out/data /out/keys && chown 65532:65532 /out/data && chmod 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sshblog /sshblog
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/keys /keys
ENV BLOG_ADDR=:23234 BLOG_HTTP_ADDR=:8080 BLOG_DATA=/data BLOG_KEYS=/keys
VOLUME /data
EXPOSE 23234 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s CMD ["/sshblog", "health"]
ENTRYPOINT ["/sshblog"]
