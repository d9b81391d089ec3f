# Build: docker build -t batch-job-controller .
# Stage 1 builds the runnable jar with the same Maven build as CI (tests run in CI, not here).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -q package -DskipTests -pl batch-app -am

# Stage 2: a JRE only, running as an unprivileged user.
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 batch && useradd --system --uid 10001 --gid batch --home-dir /nonexistent batch \
    && mkdir -p /var/www && chown batch:batch /var/www
COPY --from=build /src/batch-app/target/batch-job-controller.jar /opt/batch-job-controller/batch-job-controller.jar
USER 10001:10001
# report server, callback API, health probes, metrics
EXPOSE 8080 8090 9152 9153
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "-jar", "/opt/batch-job-controller/batch-job-controller.jar"]
