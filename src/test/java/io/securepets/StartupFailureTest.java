package io.securepets;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.DevCertificates;
import io.securepets.support.EmbeddedServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the real entry point in a child JVM with one bad setting and checks that it stops at once
 * with a single stderr line naming that setting. The child's environment is exactly the map built
 * here, so nothing from the developer's shell leaks in.
 */
class StartupFailureTest {

  /**
   * Seconds the child may take to exit. It fails before binding any port, but it must load the JVM and
   * Vert.x classes on a machine that may be running other builds, so this is a generous estimate.
   */
  private static final long EXIT_TIMEOUT_SECONDS = 30;

  @TempDir
  Path directory;

  private Map<String, String> environment;

  @BeforeEach
  void buildWorkingEnvironment() throws IOException {
    DevCertificates.Files certificate = DevCertificates.generate(directory);
    environment = new HashMap<>();
    environment.put("PETS_CONFIG", Files.writeString(directory.resolve("config.json"), "{}").toString());
    environment.put("PETS_HOST", "127.0.0.1");
    environment.put("PETS_HTTPS_PORT", String.valueOf(EmbeddedServices.freePort()));
    environment.put("PETS_HTTP_PORT", "0");
    environment.put("PETS_TLS_CERT", certificate.certificate().toString());
    environment.put("PETS_TLS_KEY", certificate.privateKey().toString());
    environment.put("PETS_JWT_SECRET", "startup-test-secret-" + UUID.randomUUID());
    // Nothing listens on these ports, so no test here reaches a real database or Redis.
    environment.put("PETS_PG_URL", "postgresql://postgres@127.0.0.1:" + EmbeddedServices.freePort() + "/pets");
    environment.put("PETS_REDIS_URL", "redis://127.0.0.1:" + EmbeddedServices.freePort() + "/0");
  }

  @Test
  void missingSecretStopsStart() throws Exception {
    environment.remove("PETS_JWT_SECRET");

    assertFailsNaming("PETS_JWT_SECRET", startMain());
  }

  @Test
  void weakSecretStopsStart() throws Exception {
    environment.put("PETS_JWT_SECRET", "s".repeat(31));

    assertFailsNaming("PETS_JWT_SECRET", startMain());
  }

  @Test
  void missingCertificateStopsStart() throws Exception {
    environment.remove("PETS_TLS_CERT");

    assertFailsNaming("PETS_TLS_CERT", startMain());
  }

  @Test
  void unreachableDatabaseStopsStart() throws Exception {
    assertFailsNaming("PETS_PG_URL", startMain());
  }

  /** The exit status and the output of a finished child process. */
  private record Exit(int status, List<String> stderrLines, String stdout) {
  }

  /** Runs {@code io.securepets.Main} with no arguments and only {@link #environment}, and waits for it. */
  private Exit startMain() throws IOException, InterruptedException {
    Path stdout = directory.resolve("stdout.txt");
    Path stderr = directory.resolve("stderr.txt");
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName())
        .directory(directory.toFile())
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    Process process = builder.start();
    try {
      boolean exited = process.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(exited).as("exited within %d s", EXIT_TIMEOUT_SECONDS).isTrue();
      return new Exit(process.exitValue(), Files.readAllLines(stderr, StandardCharsets.UTF_8),
          Files.readString(stdout, StandardCharsets.UTF_8));
    } finally {
      process.destroyForcibly();
    }
  }

  private static void assertFailsNaming(String setting, Exit exit) {
    assertThat(exit.status()).as("exit status").isNotZero();
    assertThat(exit.stderrLines()).as("stderr lines").hasSize(1);
    assertThat(exit.stderrLines().get(0)).contains(setting);
  }
}
