package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.securepets.config.ConfigException;
import io.securepets.config.ConfigLoader;
import io.securepets.server.ServerLauncher;
import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.ServerSettings;
import io.securepets.support.TestEnvironment;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request heads that other protocols or routes handled unevenly, and start checks on the TLS files. */
class RequestHeadTest {

  private final TestEnvironment env = TestEnvironment.get();
  private final ApiClient http2 = new ApiClient(env.httpsPort(), env.certificate(), HttpClient.Version.HTTP_2);

  @Test
  void headOverHttp2GetsHeadersOnly() {
    Response response = http2.send("HEAD", "/health/live", null, null, Map.of());

    assertThat(response.status()).isEqualTo(405);
    assertThat(response.header("Allow")).isEqualTo("GET");
    assertThat(response.header("Strict-Transport-Security")).isNotNull();
    assertThat(response.body()).isEmpty();
  }

  @Test
  void longUriRejectedOverHttp2() {
    Response response = http2.get("/v1/public/pets?filler=" + "a".repeat(5000), null);

    assertThat(response.status()).isEqualTo(414);
    assertThat(response.json().getString("error")).isEqualTo("URI too long");
  }

  @Test
  void largeBodyOnGetIsCutOff() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(ApiClient.trusting(env.certificate()))
        .version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
    byte[] body = new byte[1024 * 1024];
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + env.httpsPort() + "/health/live"))
        .timeout(Duration.ofSeconds(20))
        .method("GET", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
        .build();

    int status;
    try {
      status = client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (java.io.IOException e) {
      status = -1;
    }

    // The server may respond before it cuts the stream, or cut it first. It must never hang.
    assertThat(status).isIn(200, -1);
    assertThat(ApiClient.forTestServer().get("/health/live", null).status()).isEqualTo(200);
  }

  @Test
  void formBodyGets415() {
    String token = Fixtures.user("write:pets").token();

    Response response = ApiClient.forTestServer().send("POST", "/v1/pets", token, "name=Rex&species=DOG",
        Map.of("Content-Type", "application/x-www-form-urlencoded"));

    assertThat(response.status()).isEqualTo(415);
  }

  @Test
  void negativeZeroWeightStoredAsZero() {
    Fixtures.TestUser owner = Fixtures.user("write:pets");

    Response response = ApiClient.forTestServer().post("/v1/pets", owner.token(),
        "{\"name\":\"Zero\",\"species\":\"CAT\",\"weight\":-0.0}");

    assertThat(response.status()).isEqualTo(201);
    assertThat(response.body()).contains("\"weight\":0.0");
  }

  @Test
  void redirectNeedsOneHost() throws Exception {
    String missing = plainRequest("GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
    String doubled = plainRequest("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n");
    String single = plainRequest("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

    assertThat(missing).startsWith("HTTP/1.1 400");
    assertThat(doubled).startsWith("HTTP/1.1 400");
    assertThat(single).startsWith("HTTP/1.1 301");
  }

  private String plainRequest(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", env.httpPort())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void equalPortsRejected() {
    Map<String, String> settings = ServerSettings.fresh();
    settings.put("PETS_HTTP_PORT", settings.get("PETS_HTTPS_PORT"));

    assertThatThrownBy(() -> new ConfigLoader(settings).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_HTTP_PORT and PETS_HTTPS_PORT are both");
  }

  @Test
  void takenPortNamed() {
    Map<String, String> settings = ServerSettings.fresh();
    settings.put("PETS_HTTPS_PORT", Integer.toString(env.httpsPort()));
    settings.put("PETS_HOST", "127.0.0.1");

    assertThatThrownBy(() -> ServerLauncher.start(new ConfigLoader(settings).loadForServer()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_HTTPS_PORT " + env.httpsPort());
  }

  @Test
  void nonPemCertificateNamed(@TempDir Path dir) throws Exception {
    Map<String, String> settings = ServerSettings.fresh();
    settings.put("PETS_TLS_CERT", Files.writeString(dir.resolve("cert.pem"), "not a certificate").toString());

    assertThatThrownBy(() -> ServerLauncher.start(new ConfigLoader(settings).loadForServer()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_TLS_CERT");
  }

  @Test
  void mismatchedKeyNamed(@TempDir Path dir) {
    Map<String, String> settings = ServerSettings.fresh();
    io.securepets.support.DevCertificates.Files other = io.securepets.support.DevCertificates.generate(dir);
    settings.put("PETS_TLS_KEY", other.privateKey().toString());

    assertThatThrownBy(() -> ServerLauncher.start(new ConfigLoader(settings).loadForServer()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not belong to the certificate");
  }
}
