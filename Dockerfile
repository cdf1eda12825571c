# trement in a distroless, non-root image with a read-only root filesystem.
#   docker build -t trement .
#   docker run --read-only -v trement-data:/data -v /secure/master.key:/run/secrets/master.key:ro \
#     -e TREMENT_MASTER_KEY_FILE=/run/secrets/master.key -e TREMENT_INSECURE_HTTP=true ... trement
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/trement ./cmd/trement

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/trement /trement
USER nonroot:nonroot
ENV TREMENT_DATA_DIR=/data TREMENT_LISTEN=0.0.0.0:8080 TREMENT_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/trement"]
CMD ["serve"]
