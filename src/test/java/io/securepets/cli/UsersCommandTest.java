package io.securepets.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.EmbeddedServices;
import io.securepets.support.Fixtures;
import io.securepets.support.TestEnvironment;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code users create} run as a real child JVM on the test database, with the password on standard
 * input, as an operator would run it.
 */
class UsersCommandTest {

  private static final String PASSWORD = "a long enough password";

  @TempDir
  static Path workDir;

  private static Path emptyConfig;

  /** Exit status and output of one finished command. */
  private record Result(int exitCode, List<String> stdout, List<String> stderr) {
  }

  @BeforeAll
  static void writeEmptyConfig() throws IOException {
    emptyConfig = Files.writeString(workDir.resolve("config.json"), "{}");
  }

  @Test
  void createPrintsUserAsJson() {
    String email = uniqueEmail();

    Result result = run(databaseUrl(), PASSWORD, "--email", email, "--name", "Command User", "--role", "user",
        "--scopes", "read:pets write:pets");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.stdout()).as(result.toString()).hasSize(1);
    JsonObject printed = new JsonObject(result.stdout().get(0));
    assertThat(printed.fieldNames()).contains("id", "email", "name", "role", "scopes");
    assertThat(UUID.fromString(printed.getString("id"))).isNotNull();
    assertThat(printed.getString("email")).isEqualTo(email);
    assertThat(printed.getString("name")).isEqualTo("Command User");
    assertThat(printed.getString("role")).isEqualTo("user");
    assertThat(printed.getJsonArray("scopes")).containsExactly("read:pets", "write:pets");
    assertThat(result.stdout().get(0)).doesNotContainIgnoringCase("password");
    assertThat(result.stdout().get(0)).doesNotContain(PASSWORD);
    assertThat(result.stderr()).noneMatch(line -> line.contains(PASSWORD));
  }

  @Test
  void createdUserCanLogIn() {
    String email = uniqueEmail();
    Result result = run(databaseUrl(), PASSWORD, "--email", email, "--name", "Login User", "--role", "user",
        "--scopes", "read:pets write:pets");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    String id = new JsonObject(result.stdout().get(0)).getString("id");

    String token = Fixtures.login(email, PASSWORD);
    ApiClient.Response me = ApiClient.forTestServer().get("/v1/users/me", token);

    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().getString("id")).isEqualTo(id);
    assertThat(me.json().getString("name")).isEqualTo("Login User");
  }

  @Test
  void duplicateEmailFails() {
    String email = uniqueEmail();
    Fixtures.insertUser(email, "First Owner", "user", List.of("read:pets"));

    Result result = run(databaseUrl(), PASSWORD, "--email", email, "--name", "Second", "--role", "user",
        "--scopes", "read:pets");

    assertFailure(result, email);
  }

  @Test
  void shortPasswordFails() {
    String email = uniqueEmail();

    Result result = run(databaseUrl(), "elevenchars", "--email", email, "--name", "Short", "--role", "user",
        "--scopes", "read:pets");

    assertFailure(result, "password");
    assertThat(userCount(email)).isZero();
  }

  @Test
  void unknownRoleFails() {
    String email = uniqueEmail();

    Result result = run(databaseUrl(), PASSWORD, "--email", email, "--name", "Role", "--role", "superuser",
        "--scopes", "read:pets");

    assertFailure(result, "superuser");
    assertThat(userCount(email)).isZero();
  }

  @Test
  void unknownScopeFails() {
    String email = uniqueEmail();

    Result result = run(databaseUrl(), PASSWORD, "--email", email, "--name", "Scope", "--role", "user",
        "--scopes", "read:pets fly:pets");

    assertFailure(result, "fly:pets");
    assertThat(userCount(email)).isZero();
  }

  @Test
  void unreachableDatabaseFails() {
    String url = "postgresql://postgres@127.0.0.1:" + EmbeddedServices.freePort() + "/postgres";

    Result result = run(url, PASSWORD, "--email", uniqueEmail(), "--name", "Nobody", "--role", "user",
        "--scopes", "read:pets");

    assertFailure(result, "PETS_PG_URL");
  }

  /** Asserts a non-zero exit, nothing on stdout and exactly one stderr line that contains {@code problem}. */
  private static void assertFailure(Result result, String problem) {
    assertThat(result.exitCode()).as(result.toString()).isNotZero();
    assertThat(result.stdout()).as(result.toString()).isEmpty();
    assertThat(result.stderr()).as(result.toString()).hasSize(1);
    assertThat(result.stderr().get(0)).as(result.toString()).containsIgnoringCase(problem);
  }

  private static String uniqueEmail() {
    return "cli-" + UUID.randomUUID() + "@example.com";
  }

  private static String databaseUrl() {
    return TestEnvironment.get().settings().get("PETS_PG_URL");
  }

  /** Runs {@code users create} with {@code args} in a new JVM, writing {@code password} and a newline to stdin. */
  private static Result run(String databaseUrl, String password, String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "io.securepets.Main", "users", "create"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("PETS_"));
    environment.put("PETS_PG_URL", databaseUrl);
    environment.put("PETS_CONFIG", emptyConfig.toString());
    try {
      Path stdout = Files.createTempFile(workDir, "stdout", ".txt");
      Path stderr = Files.createTempFile(workDir, "stderr", ".txt");
      Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
      try (OutputStream stdin = process.getOutputStream()) {
        stdin.write((password + "\n").getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("users create did not finish within 60 s: " + command);
      }
      return new Result(process.exitValue(), Files.readAllLines(stdout), Files.readAllLines(stderr));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running users create", e);
    }
  }

  private static int userCount(String email) {
    try (var db = TestEnvironment.get().database();
        var query = db.prepareStatement("SELECT count(*) FROM users WHERE email = ?")) {
      query.setString(1, email);
      try (var rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot count users with email " + email, e);
    }
  }
}
