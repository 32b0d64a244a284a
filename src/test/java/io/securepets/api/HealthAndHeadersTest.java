package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.TestEnvironment;
import java.net.http.HttpClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthAndHeadersTest {

  private final ApiClient client = ApiClient.forTestServer();

  private static final Map<String, String> EXPECTED_HEADERS = Map.of(
      "Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload",
      "Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      "X-Content-Type-Options", "nosniff",
      "X-Frame-Options", "DENY",
      "X-XSS-Protection", "0",
      "Referrer-Policy", "strict-origin-when-cross-origin",
      "Cross-Origin-Resource-Policy", "same-origin",
      "Cross-Origin-Opener-Policy", "same-origin",
      "X-Permitted-Cross-Domain-Policies", "none",
      "Cache-Control", "no-store");

  @Test
  void liveAnswersUp() {
    Response response = client.get("/health/live", null);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().getString("status")).isEqualTo("UP");
    assertThat(response.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
  }

  @Test
  void readyChecksBothDependencies() {
    Response response = client.get("/health/ready", null);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().getJsonObject("checks").getString("postgres")).isEqualTo("UP");
    assertThat(response.json().getJsonObject("checks").getString("redis")).isEqualTo("UP");
  }

  @Test
  void securityHeadersOnSuccessAndErrors() {
    Response ok = client.get("/health/live", null);
    Response unauthorized = client.get("/v1/pets", null);
    Response notFound = client.get("/no/such/path", null);
    Response tooLarge = client.send("POST", "/v1/pets", null, "x".repeat(17 * 1024),
        Map.of("Content-Type", "application/json"));
    Response uriTooLong = client.get("/" + "a".repeat(9000), null);

    for (Response response : new Response[] {ok, unauthorized, notFound, tooLarge, uriTooLong}) {
      EXPECTED_HEADERS.forEach((name, value) -> assertThat(response.header(name)).as(name).isEqualTo(value));
      assertThat(response.header("X-Request-Id")).matches("[0-9a-f-]{36}");
      assertThat(response.header("Server")).isNull();
      assertThat(response.header("X-Powered-By")).isNull();
    }
    assertThat(unauthorized.status()).isEqualTo(401);
    assertThat(notFound.status()).isEqualTo(404);
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(uriTooLong.status()).isEqualTo(414);
    assertThat(uriTooLong.json().getString("error")).isEqualTo("URI too long");
  }

  @Test
  void http2NegotiatedThroughAlpn() {
    TestEnvironment env = TestEnvironment.get();
    ApiClient http2 = new ApiClient(env.httpsPort(), env.certificate(), HttpClient.Version.HTTP_2);

    Response response = http2.get("/health/live", null);

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.header("Strict-Transport-Security")).isNotNull();
  }
}
