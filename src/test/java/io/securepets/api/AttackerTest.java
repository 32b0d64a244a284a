package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.Fixtures;
import io.securepets.support.Fixtures.TestUser;
import io.securepets.support.InProcessServer;
import io.securepets.support.RawHttps;
import io.vertx.core.json.JsonObject;
import io.securepets.support.TestEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile requests over real TLS that the other API tests do not send: raw NUL and invalid UTF-8
 * bytes, extreme numbers and nesting, odd headers and methods, encoded path tricks, request
 * smuggling and slow clients. Each must end in a 4xx (or a closed connection), never a 500, and no
 * response may carry a PostgreSQL message.
 */
class AttackerTest {

  /** Words that appear in PostgreSQL and driver errors but never in the service's own bodies. */
  private static final List<String> DATABASE_WORDS =
      List.of("postgres", "sqlstate", "pgexception", "invalid byte sequence", "syntax error", "ERROR:");
  private static final String PET = "{\"name\":\"Rex\",\"species\":\"DOG\"}";

  private static TestUser owner;
  private static String petId;
  private static InProcessServer slowClientServer;

  private final ApiClient client = ApiClient.forTestServer();
  private final RawHttps raw = new RawHttps(TestEnvironment.get().httpsPort(), TestEnvironment.get().certificate());

  @BeforeAll
  static void createOwnerAndServer() {
    owner = Fixtures.user("read:pets", "write:pets", "delete:pets");
    petId = Fixtures.pet(owner, Map.of()).getString("id");
    slowClientServer = InProcessServer.start(Map.of(
        "PETS_REQUEST_HEAD_TIMEOUT_SECONDS", "2",
        "PETS_IDLE_TIMEOUT_SECONDS", "2",
        "PETS_INSTANCES", "1"));
  }

  @AfterAll
  static void stopServer() {
    slowClientServer.close();
  }

  @Test
  void nulInJsonStringsRejected() {
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    bodies.put("raw NUL in pet name", bytes("{\"name\":\"Re", 0, "x\",\"species\":\"DOG\"}"));
    bodies.put("escaped NUL in pet breed", utf8("{\"name\":\"Rex\",\"species\":\"DOG\",\"breed\":\"a\\u0000b\"}"));
    bodies.put("raw NUL in email", bytes("{\"email\":\"a", 0, "@example.com\",\"password\":\"x\"}"));
    bodies.put("escaped NUL in email", utf8("{\"email\":\"a\\u0000@example.com\",\"password\":\"x\"}"));
    bodies.put("escaped NUL in password", utf8("{\"email\":\"" + owner.email() + "\",\"password\":\"\\u0000\"}"));
    bodies.put("escaped NUL in refresh token", utf8("{\"refreshToken\":\"\\u0000\"}"));

    bodies.forEach((label, body) -> assertRejected(label, postRaw(pathFor(label), body)));
  }

  @Test
  void invalidUtf8InJsonRejected() {
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    bodies.put("0xFF 0xFE in pet name", bytes("{\"name\":\"", 0xFF, 0xFE, "\",\"species\":\"DOG\"}"));
    bodies.put("overlong NUL in pet name", bytes("{\"name\":\"a", 0xC0, 0x80, "\",\"species\":\"DOG\"}"));
    bodies.put("encoded surrogate in pet name", bytes("{\"name\":\"", 0xED, 0xA0, 0x80, "\",\"species\":\"DOG\"}"));
    bodies.put("0xFF in email", bytes("{\"email\":\"", 0xFF, "@example.com\",\"password\":\"x\"}"));
    bodies.put("truncated sequence in password", bytes("{\"email\":\"a@example.com\",\"password\":\"", 0xE2, 0x82,
        "\"}"));

    bodies.forEach((label, body) -> {
      RawHttps.Response response = postRaw(pathFor(label), body);

      assertRejected(label, response);
      assertThat(response.status()).as(label).isEqualTo(400);
    });
  }

  @Test
  void nulAndInvalidUtf8InQueryRejected() {
    for (String query : List.of("limit=%00", "limit=%FF", "limit=1%00", "cursor=%FF%FE", "cursor=%00",
        "cursor=%C0%80", "limit=%00&cursor=%FF%FE")) {
      assertRejected("own list " + query, client.get("/v1/pets?" + query, owner.token()));
      assertRejected("public list " + query, client.get("/v1/public/pets?" + query, null));
    }
  }

  @Test
  void rawInvalidBytesInQueryRejected() {
    RawHttps.Response response = raw.send("GET", "/v1/public/pets?cursor=\u00ff\u00fe", List.of());

    assertRejected("raw 0xFF 0xFE in query", response);
  }

  @Test
  void malformedPercentEscapesGetJson400() {
    for (String path : List.of("/v1/pets/%", "/v1/pets/%zz", "/v1/pets/%4", "/v1/users/%G0", "/%", "/v1/public/pets%")) {
      RawHttps.Response response = raw.send("GET", path, List.of());

      assertThat(response.status()).as(path).isEqualTo(400);
      assertThat(new JsonObject(response.body()).getString("error")).as(path).isEqualTo("Bad request");
    }
  }

  @Test
  void nulInPathIdsRejected() {
    Map<String, String> requests = new LinkedHashMap<>();
    requests.put("PATCH /v1/pets/%00", PET);
    requests.put("DELETE /v1/pets/%00", null);
    requests.put("GET /v1/pets/" + petId + "%00", null);
    requests.put("GET /v1/users/%00", null);
    requests.put("GET /v1/users/" + owner.id() + "%00", null);
    requests.put("DELETE /v1/admin/users/%00", null);

    requests.forEach((request, body) -> {
      String[] parts = request.split(" ");
      ApiClient.Response response = client.send(parts[0], parts[1], owner.token(), body,
          body == null ? Map.of() : Map.of("Content-Type", "application/json"));

      assertRejected(request, response.status(), response.body());
      assertThat(response.status()).as(request).isIn(403, 404);
    });
  }

  @Test
  void hugeNumbersRejected() {
    for (String number : List.of("1e999999999", "-1e999999999", "1" + "0".repeat(400), "-1" + "0".repeat(400))) {
      for (String field : List.of("age", "weight")) {
        String json = "{\"name\":\"Rex\",\"species\":\"DOG\",\"" + field + "\":" + number + "}";

        ApiClient.Response response = client.post("/v1/pets", owner.token(), json);

        assertRejected(field + "=" + number, response.status(), response.body());
      }
    }
  }

  @Test
  void deepNestingRejected() {
    Map<String, String> bodies = new LinkedHashMap<>();
    bodies.put("arrays and objects", "[{\"a\":".repeat(3_000));
    bodies.put("objects", "{\"a\":".repeat(10_000));
    bodies.put("arrays closed", "[".repeat(5_000) + "]".repeat(5_000));
    bodies.put("objects in a field", "{\"name\":" + "{\"\":".repeat(3_000) + "1" + "}".repeat(3_001));

    bodies.forEach((label, json) -> {
      ApiClient.Response login = client.post("/v1/auth/login", null, json);
      ApiClient.Response create = client.post("/v1/pets", owner.token(), json);

      assertRejected("login with " + label, login.status(), login.body());
      assertRejected("create with " + label, create.status(), create.body());
    });
  }

  @Test
  void byteOrderMarkRejected() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    RawHttps.Response create = postRaw("/v1/pets", concat(bom, utf8(PET)));
    RawHttps.Response login = postRaw("/v1/auth/login",
        concat(bom, utf8("{\"email\":\"" + owner.email() + "\",\"password\":\"" + Fixtures.PASSWORD + "\"}")));

    assertRejected("pet with BOM", create);
    assertThat(create.status()).as("pet with BOM").isEqualTo(400);
    assertRejected("login with BOM", login);
    assertThat(login.status()).as("login with BOM").isEqualTo(400);
  }

  @Test
  void utf16BodyRejected() {
    byte[] body = PET.getBytes(StandardCharsets.UTF_16BE);

    RawHttps.Response response = postRaw("/v1/pets", body);

    assertRejected("UTF-16 body", response);
    assertThat(response.status()).as("UTF-16 body").isEqualTo(400);
  }

  @Test
  void hugeAuthorizationHeaderRejected() {
    String header = "Authorization: Bearer " + "a".repeat(20 * 1024);

    RawHttps.Response response = raw.send("GET", "/v1/pets", List.of(header));

    assertRejected("20 KiB Authorization header", response);
    assertThat(response.status()).isEqualTo(431);
  }

  @Test
  void repeatedAuthorizationRejected() {
    List<String> twoValid = List.of("Authorization: Bearer " + owner.token(), "Authorization: Bearer " + owner.token());
    List<String> validThenGarbage = List.of("Authorization: Bearer " + owner.token(), "Authorization: Bearer x");
    List<String> twenty = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      twenty.add("Authorization: Bearer " + owner.token());
    }

    for (List<String> headers : List.of(twoValid, validThenGarbage, twenty)) {
      RawHttps.Response response = raw.send("GET", "/v1/pets", headers);

      assertThat(response.status()).as("%d Authorization headers", headers.size()).isEqualTo(401);
    }
  }

  @Test
  void queryTokenIgnored() {
    for (String parameter : List.of("access_token", "token", "jwt", "bearer")) {
      ApiClient.Response response = client.get("/v1/pets?" + parameter + "=" + owner.token(), null);

      assertThat(response.status()).as(parameter).isEqualTo(401);
      assertThat(response.json().getString("error")).as(parameter).isEqualTo("Authentication required");
    }
  }

  @Test
  void methodOverrideIgnoredOnGet() {
    for (String header : List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")) {
      ApiClient.Response response = client.send("GET", "/v1/pets/" + petId, owner.token(), null,
          Map.of(header, "DELETE"));

      assertThat(response.status()).as(header).isEqualTo(200);
    }
    ApiClient.Response queryOverride = client.send("POST", "/v1/pets/" + petId + "?_method=DELETE", owner.token(),
        null, Map.of());

    assertThat(queryOverride.status()).as("_method query parameter").isEqualTo(405);
    assertThat(client.get("/v1/pets/" + petId, owner.token()).status()).as("pet after").isEqualTo(200);
  }

  @Test
  void headOnApiPaths() {
    for (String path : List.of("/v1/pets", "/v1/pets/" + petId, "/v1/public/pets", "/v1/users/me", "/health/live")) {
      RawHttps.Response response = raw.send("HEAD", path, List.of("Authorization: Bearer " + owner.token()));

      assertThat(response.status()).as(path).isEqualTo(405);
      assertThat(response.header("Allow")).as(path).contains("GET");
      assertThat(response.body()).as(path).isEmpty();
    }
  }

  @Test
  void optionsWithoutOriginNotAllowed() {
    for (String path : List.of("/v1/pets", "/v1/pets/" + petId, "/v1/auth/login", "/v1/users/me")) {
      ApiClient.Response response = client.send("OPTIONS", path, owner.token(), null, Map.of());

      assertThat(response.status()).as(path).isEqualTo(405);
      assertThat(response.header("Allow")).as(path).isNotBlank();
      assertThat(response.header("Access-Control-Allow-Origin")).as(path).isNull();
    }
  }

  @Test
  void traversalInIdsNotFound() {
    for (String path : List.of("/v1/pets/..%2F..%2Fadmin", "/v1/pets/%2e%2e", "/v1/pets/%2e%2e%2f%2e%2e%2fusers%2fme",
        "/v1/pets/%252e%252e%252f", "/v1/pets/..%252f..%252fadmin", "/v1/pets/%2E%2E%5C%2E%2E%5Cadmin",
        "/v1/users/..%2Fme", "/v1/users/%2e%2e%2fme", "/v1/admin/users/..%2F..%2Fpets")) {
      ApiClient.Response get = client.get(path, owner.token());
      ApiClient.Response delete = client.delete(path, owner.token());

      assertRejected("GET " + path, get.status(), get.body());
      assertRejected("DELETE " + path, delete.status(), delete.body());
    }
    assertThat(client.get("/v1/pets/" + petId, owner.token()).status()).as("pet after").isEqualTo(200);
  }

  /**
   * A POST with both Content-Length and Transfer-Encoding, followed on the same connection by a GET
   * that a front end honouring the other header would frame differently. RFC 9112 section 6 asks the
   * server to close the connection after its response, so the GET must get no response.
   */
  @Test
  void smugglingClosesConnection() {
    for (String transferEncoding : List.of("chunked", "Chunked", " chunked", "chunked, identity", "identity")) {
      String request = "POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: 4\r\nTransfer-Encoding:" + transferEncoding + "\r\n\r\n"
          + "0\r\n\r\n"
          + "GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

      List<RawHttps.Response> responses = raw.exchange(request.getBytes(StandardCharsets.ISO_8859_1));

      String label = "Transfer-Encoding:" + transferEncoding;
      assertThat(responses).as(label).hasSize(1);
      assertThat(responses.get(0).status()).as(label).isEqualTo(400);
      assertThat(responses.get(0).header("Connection")).as(label).isEqualToIgnoringCase("close");
    }
  }

  @Test
  void chunkedBodyServedThenClosed() {
    byte[] body = utf8(PET);
    String request = "POST /v1/pets HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Authorization: Bearer " + owner.token() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
        + Integer.toHexString(body.length) + "\r\n" + PET + "\r\n0\r\n\r\n"
        + "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n";

    List<RawHttps.Response> responses = raw.exchange(request.getBytes(StandardCharsets.ISO_8859_1));

    assertThat(responses).hasSize(1);
    assertThat(responses.get(0).status()).isEqualTo(201);
  }

  @Test
  void duplicateContentLengthRejected() {
    String request = "POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: 2\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}";

    List<RawHttps.Response> responses = raw.exchange(request.getBytes(StandardCharsets.ISO_8859_1));

    assertThat(responses).hasSize(1);
    assertThat(responses.get(0).status()).isEqualTo(400);
  }

  @Test
  void partialRequestLineClosed() throws Exception {
    assertClosedBeforeComplete("GET /health/li".getBytes(StandardCharsets.US_ASCII), 0);
  }

  @Test
  void partialHeadersClosed() throws Exception {
    assertClosedBeforeComplete("GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
        .getBytes(StandardCharsets.US_ASCII), 0);
  }

  /** One header byte every 250 ms would reset an idle timeout forever, but the request head timeout ends it. */
  @Test
  void dribbledHeadersClosed() throws Exception {
    byte[] head = ("GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + "a".repeat(200))
        .getBytes(StandardCharsets.US_ASCII);

    assertClosedBeforeComplete(head, 250);
  }

  @Test
  void idleKeepAliveClosed() throws Exception {
    byte[] request = "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    try (SSLSocket socket = slowClientRaw().connect("127.0.0.1")) {
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();

      String received = readUntilClosed(socket.getInputStream());

      assertThat(received).as("response before the close").startsWith("HTTP/1.1 200");
    }
  }

  /**
   * Requests 1 s apart on one connection outlast the 2 s request head timeout, and each is served,
   * because every complete request head stops the timer and every response restarts it.
   */
  @Test
  void keepAliveRequestsServed() throws Exception {
    byte[] request = "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    try (SSLSocket socket = slowClientRaw().connect("127.0.0.1")) {
      for (int i = 0; i < 4; i++) {
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();

        String head = readResponse(socket.getInputStream());

        assertThat(head).as("response %d", i + 1).startsWith("HTTP/1.1 200");
        Thread.sleep(1_000);
      }
    }
  }

  @Test
  void stalledBodyClosed() throws Exception {
    byte[] partial = ("POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: 100\r\n\r\n{\"email\":").getBytes(StandardCharsets.US_ASCII);
    try (SSLSocket socket = slowClientRaw().connect("127.0.0.1")) {
      socket.getOutputStream().write(partial);
      socket.getOutputStream().flush();

      String received = readUntilClosed(socket.getInputStream());

      assertThat(received).as("bytes before the close").doesNotContain("HTTP/1.1 500");
    }
  }

  /**
   * Sends {@code head} to the slow-client server, all at once when {@code delayMillis} is 0 or one
   * byte per {@code delayMillis} otherwise, and asserts that the server closes the connection before
   * the whole head is sent and without a response.
   */
  private static void assertClosedBeforeComplete(byte[] head, long delayMillis) throws Exception {
    try (SSLSocket socket = slowClientRaw().connect("127.0.0.1")) {
      CompletableFuture<String> closed = CompletableFuture.supplyAsync(() -> {
        try {
          return readUntilClosed(socket.getInputStream());
        } catch (IOException e) {
          return "read failed: " + e;
        }
      });
      OutputStream out = socket.getOutputStream();
      int sent = 0;
      try {
        if (delayMillis == 0) {
          out.write(head);
          out.flush();
          sent = head.length;
        } else {
          while (sent < head.length && !closed.isDone()) {
            out.write(head[sent]);
            out.flush();
            sent++;
            Thread.sleep(delayMillis);
          }
        }
      } catch (SocketException e) {
        // The server closed the connection between two bytes.
      }

      String received = closed.get(30, TimeUnit.SECONDS);

      assertThat(received).as("bytes received before the close").isEmpty();
      if (delayMillis > 0) {
        assertThat(sent).as("head bytes sent before the close").isLessThan(head.length);
      }
    }
  }

  /** Reads one response whose body has a Content-Length, and returns its head. */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int next = in.read();
      if (next < 0) {
        throw new AssertionError("connection closed after " + head.toString(StandardCharsets.ISO_8859_1));
      }
      head.write(next);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    String length = text.toLowerCase(Locale.ROOT).split("content-length:")[1].split("\r\n")[0].trim();
    in.readNBytes(Integer.parseInt(length));
    return text;
  }

  /** Reads until the server closes the connection, and fails when one read waits 20 s. */
  private static String readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] chunk = new byte[4096];
    try {
      for (int read = in.read(chunk); read >= 0; read = in.read(chunk)) {
        bytes.write(chunk, 0, read);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open for 20 s", e);
    } catch (SocketException | javax.net.ssl.SSLException e) {
      // A reset or a close without close_notify also ends the connection.
    }
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  private static RawHttps slowClientRaw() {
    return new RawHttps(slowClientServer.port(), slowClientServer.config().tlsCert());
  }

  private RawHttps.Response postRaw(String path, byte[] body) {
    List<String> headers = new ArrayList<>(List.of("Content-Type: application/json"));
    if (!path.startsWith("/v1/auth/")) {
      headers.add("Authorization: Bearer " + owner.token());
    }
    return raw.send("POST", path, headers, body);
  }

  private static String pathFor(String label) {
    if (label.contains("refresh")) {
      return "/v1/auth/refresh";
    }
    return label.contains("email") || label.contains("password") ? "/v1/auth/login" : "/v1/pets";
  }

  private static void assertRejected(String label, RawHttps.Response response) {
    assertRejected(label, response.status(), response.body());
  }

  private static void assertRejected(String label, ApiClient.Response response) {
    assertRejected(label, response.status(), response.body());
  }

  /** Asserts a 4xx whose body names no database detail. */
  private static void assertRejected(String label, int status, String body) {
    assertThat(status).as(label + ": " + body).isBetween(400, 499);
    for (String word : DATABASE_WORDS) {
      assertThat(body).as(label).doesNotContainIgnoringCase(word);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Joins strings (as UTF-8) and single bytes given as integers. */
  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof String text) {
        out.writeBytes(utf8(text));
      } else {
        out.write((Integer) part);
      }
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] joined = new byte[first.length + second.length];
    System.arraycopy(first, 0, joined, 0, first.length);
    System.arraycopy(second, 0, joined, first.length, second.length);
    return joined;
  }
}
