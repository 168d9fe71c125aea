# One image recipe for both processes; PROJECT names which one:
#   Ledger.Api       HTTP front end and (with Writer__Enabled=true) host of the partition writers
#   Ledger.Projector consumes ledger.events into PostgreSQL (applies the schema migrations at start-up)
# Build from the repository root, which holds Directory.*.props and src/:
#   docker build --build-arg PROJECT=Ledger.Api -t ledger-api .
#   docker build --build-arg PROJECT=Ledger.Projector -t ledger-projector .
# docker-compose.yml at the root does this for you (docs/deployment.md).

# .NET 10 images are Ubuntu 24.04 "noble" (Microsoft ships no Debian images for .NET 10).
ARG PROJECT=Ledger.Api

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG PROJECT
WORKDIR /src

# Build settings first: they change rarely.
COPY Directory.Build.props Directory.Packages.props ./
# All projects (bin/ and obj/ are kept out by .dockerignore): whatever the project references
# (Ledger.Kafka, Ledger.Domain, ...) is then there, without this file listing the project graph.
COPY src/ src/

RUN test -f "src/${PROJECT}/${PROJECT}.csproj" || { echo "PROJECT must be Ledger.Api or Ledger.Projector" >&2; exit 1; }
RUN dotnet restore "src/${PROJECT}/${PROJECT}.csproj"
RUN dotnet publish "src/${PROJECT}/${PROJECT}.csproj" -c Release -o /app --no-restore -p:UseAppHost=false


FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS runtime
ARG PROJECT

# The Kafka client's native library comes with the build (librdkafka.redist, under
# runtimes/linux-x64/native): nothing to install for it. curl serves the compose health checks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=build /app ./

# The writers' snapshot directory (a volume in docker-compose.yml), owned by the user that runs:
# a new named volume takes the ownership it finds here.
RUN mkdir -p /var/lib/ledger/snapshots && chown "$APP_UID" /var/lib/ledger/snapshots

# Listen where docker-compose.yml and docs/deployment.md say. ASPNETCORE_HTTP_PORTS (8080 in the
# base image) is cleared so that ASPNETCORE_URLS alone decides, without an "overriding" warning.
# docker-compose.yml sets ASPNETCORE_URLS per service (Api 8080, Projector 8081).
ENV LEDGER_PROJECT=${PROJECT} \
    ASPNETCORE_URLS=http://0.0.0.0:8080 \
    ASPNETCORE_HTTP_PORTS=
# 9090: the Api's management port (Management__Port), internal only.
EXPOSE 8080 8081 9090

# The base image's non-root "app" user (numeric id, so runAsNonRoot checks can verify it).
USER $APP_UID

# exec: the process gets SIGTERM from docker stop directly, to finish or abort its Kafka transactions.
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet \"$LEDGER_PROJECT.dll\""]
