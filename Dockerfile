# syntax=docker/dockerfile:1
# Build: docker build -t sshblog .
# Run:   docker run -d -p 22:23234 -p 80:8080 -v sshblog:/data -v "$PWD/keys:/data/keys:ro" sshblog
# HTTPS by ACME (README, "HTTPS without a proxy"): docker run -d -p 22:23234 -p 80:80 -p 443:443
#   -e BLOG_DOMAIN=blog.example -e BLOG_HTTP_ADDR=:80 -v sshblog:/data -v "$PWD/keys:/data/keys:ro" sshblog
#   (the certificates are kept in the volume, /data/certs)

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY third_party ./third_party
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/sshblog ./cmd/sshd

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sshblog /sshblog
ENV BLOG_ADDR=:23234 BLOG_HTTP_ADDR=:8080 BLOG_DATA=/data BLOG_KEYS=/data/keys
VOLUME /data
EXPOSE 23234 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s CMD ["/sshblog", "health"]
ENTRYPOINT ["/sshblog"]
