package io.securepets.support;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real HTTPS client (java.net.http) that trusts only the test server's certificate and verifies the
 * host name, so every test request crosses real TLS exactly as a caller's would.
 */
public final class ApiClient {

  private final HttpClient client;
  private final String origin;

  public ApiClient(int port, Path certificate, HttpClient.Version version) {
    this.client = HttpClient.newBuilder()
        .sslContext(trusting(certificate))
        .version(version)
        .connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    this.origin = "https://localhost:" + port;
  }

  /** Returns a client for the shared test server, over HTTP/1.1. */
  public static ApiClient forTestServer() {
    TestEnvironment env = TestEnvironment.get();
    return new ApiClient(env.httpsPort(), env.certificate(), HttpClient.Version.HTTP_1_1);
  }

  /** Returns an SSL context that trusts only the PEM certificate at {@code certificate}. */
  public static SSLContext trusting(Path certificate) {
    try (InputStream in = Files.newInputStream(certificate)) {
      Certificate cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("test-server", cert);
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust " + certificate, e);
    }
  }

  /** A finished exchange: status, headers and body. */
  public record Response(int status, java.net.http.HttpHeaders headers, String body, HttpClient.Version version) {

    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  public Response get(String path, String token) {
    return send("GET", path, token, null, Map.of());
  }

  public Response delete(String path, String token) {
    return send("DELETE", path, token, null, Map.of());
  }

  public Response post(String path, String token, String json) {
    return send("POST", path, token, json, Map.of("Content-Type", "application/json"));
  }

  public Response patch(String path, String token, String json) {
    return send("PATCH", path, token, json, Map.of("Content-Type", "application/json"));
  }

  /** Sends any request; a null {@code token} sends no Authorization header, a null body sends none. */
  public Response send(String method, String path, String token, String body, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(origin + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    headers.forEach(request::header);
    try {
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.headers(), response.body(), response.version());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
