package io.securepets.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Reads keys straight from Redis, bypassing the service, to check what the limiter stored. */
public final class RedisKeys {

  private RedisKeys() {
  }

  /**
   * Returns every key under {@code prefix} with its PTTL in milliseconds (-1 for a key without
   * expiry), found with SCAN on the Redis at {@code url}.
   */
  public static Map<String, Long> ttls(String url, String prefix) {
    Vertx vertx = Vertx.vertx();
    Redis redis = Redis.createClient(vertx, url);
    try {
      List<String> keys = new ArrayList<>();
      String cursor = "0";
      do {
        Response page = await(redis.send(Request.cmd(Command.SCAN).arg(cursor)
            .arg("MATCH").arg(escapeGlob(prefix) + "*").arg("COUNT").arg(1000)));
        cursor = page.get(0).toString();
        page.get(1).forEach(key -> keys.add(key.toString()));
      } while (!cursor.equals("0"));
      Map<String, Long> ttls = new LinkedHashMap<>();
      for (String key : keys) {
        ttls.put(key, await(redis.send(Request.cmd(Command.PTTL).arg(key))).toLong());
      }
      return ttls;
    } finally {
      redis.close();
      await(vertx.close());
    }
  }

  private static String escapeGlob(String text) {
    return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Redis command failed: " + e.getMessage(), e);
    }
  }
}
