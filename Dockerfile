# Multi-stage build: Maven builds the fat jar, a JRE-only image runs it as a non-root user.
# Build: docker build -t secure-pets-api .
# Run:   see README.md, section "Deployment"; the certificate, key and secret come from mounts and variables.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 pets \
    && useradd --system --uid 10001 --gid pets --no-create-home --shell /usr/sbin/nologin pets
WORKDIR /app
COPY --from=build /build/target/secure-pets-api.jar /app/secure-pets-api.jar
COPY conf/config.json /app/conf/config.json
USER 10001:10001
EXPOSE 8443 8080
# The health check calls the container's own loopback listener, so skipping certificate checks there is safe.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsSk --max-time 2 "https://127.0.0.1:${PETS_HTTPS_PORT:-8443}/health/live" || exit 1
# The image runs with a read-only root filesystem (docker-compose.yml, deploy/deployment.yaml), so /tmp
# must be a writable tmpfs or emptyDir: Vert.x keeps its file cache under java.io.tmpdir and the JVM
# its performance data under /tmp. The flag is on the command line, not in JAVA_TOOL_OPTIONS, because
# the JVM prints a "Picked up JAVA_TOOL_OPTIONS" line to stderr, which would break the JSON log there.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "-jar", "/app/secure-pets-api.jar"]
CMD ["serve"]
