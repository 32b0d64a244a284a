package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.Fixtures;
import io.securepets.support.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Many requests multiplexed on one HTTP/2 connection by a Vert.x client: the owner gets every pet,
 * another user gets 403 for each, and no response leaks another caller's data.
 */
@ExtendWith(VertxExtension.class)
class Http2OwnershipTest {

  private static final int REQUESTS_PER_CALLER = 100;

  /** One finished request: who sent it, the status and the body. */
  private record Result(String caller, int status, JsonObject body) {
  }

  @Test
  void ownershipHoldsUnderMultiplexing(Vertx vertx, VertxTestContext testContext) {
    TestEnvironment env = TestEnvironment.get();
    Fixtures.TestUser owner = Fixtures.user("read:pets", "write:pets");
    Fixtures.TestUser intruder = Fixtures.user("read:pets", "write:pets");
    String petId = Fixtures.pet(owner, Map.of("name", "Shared Secret")).getString("id");
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions()
        .setSsl(true)
        .setUseAlpn(true)
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setTrustOptions(new PemTrustOptions().addCertPath(env.certificate().toString()))
        .setDefaultHost("localhost")
        .setDefaultPort(env.httpsPort()));

    List<Future<Result>> results = new ArrayList<>();
    for (int i = 0; i < REQUESTS_PER_CALLER; i++) {
      results.add(get(client, petId, "owner", owner.token()));
      results.add(get(client, petId, "intruder", intruder.token()));
    }

    Future.all(results).onComplete(testContext.succeeding(all -> testContext.verify(() -> {
      for (Future<Result> future : results) {
        Result result = future.result();
        if (result.caller().equals("owner")) {
          assertThat(result.status()).isEqualTo(200);
          assertThat(result.body().getString("name")).isEqualTo("Shared Secret");
        } else {
          assertThat(result.status()).isEqualTo(403);
          assertThat(result.body().encode()).doesNotContain("Shared Secret");
        }
      }
      client.close().onComplete(testContext.succeedingThenComplete());
    })));
  }

  private static Future<Result> get(HttpClientAgent client, String petId, String caller, String token) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setURI("/v1/pets/" + petId)
        .putHeader("Authorization", "Bearer " + token);
    return client.request(options)
        .compose(request -> request.send())
        .compose(response -> {
          if (response.version() != HttpVersion.HTTP_2) {
            return Future.failedFuture("expected HTTP/2, got " + response.version());
          }
          return response.body().map((Buffer body) -> new Result(caller, response.statusCode(), body.toJsonObject()));
        });
  }
}
