package io.securepets.ratelimit;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Sliding windows in Redis. Each call is one EVALSHA of a script loaded once per client; when Redis
 * replies NOSCRIPT (after a restart or SCRIPT FLUSH) the script is loaded again and the call
 * repeated. Every call fails after {@code timeoutMs} so no request waits on a dead Redis.
 */
final class RedisWindowStore implements WindowStore {

  private static final Script ADMIT = Script.load("/redis/admit.lua");
  private static final Script RECORD = Script.load("/redis/record.lua");

  private final Redis redis;
  private final long timeoutMs;
  private final LongSupplier clockOverride;

  /** Uses Redis's own clock when {@code clockOverride} is null; tests pass a clock they control. */
  RedisWindowStore(Redis redis, long timeoutMs, LongSupplier clockOverride) {
    this.redis = redis;
    this.timeoutMs = timeoutMs;
    this.clockOverride = clockOverride;
  }

  /** A Lua script and its SHA-1, the name EVALSHA uses. */
  private record Script(String source, String sha) {
    static Script load(String resource) {
      try (InputStream in = RedisWindowStore.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("script resource " + resource + " is missing from the jar");
        }
        String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
        return new Script(source, HexFormat.of().formatHex(digest));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is not available in this JVM", e);
      }
    }
  }

  @Override
  public Future<Decision> admit(ClientKeys keys, List<String> revocations, List<Window> windows, String member) {
    Request request = Request.cmd(Command.EVALSHA).arg(ADMIT.sha())
        .arg(1 + revocations.size() + windows.size()).arg(keys.block());
    revocations.forEach(request::arg);
    windows.forEach(window -> request.arg(keys.window(window)));
    request.arg(member).arg(now()).arg(revocations.size());
    windows.forEach(window -> request.arg(window.limit()).arg(window.lengthMs()));
    return eval(ADMIT, request).map(response -> {
      long kind = response.get(0).toLong();
      if (kind == 4) {
        return Decision.revoked();
      }
      if (kind == 1) {
        return Decision.blocked(response.get(1).toLong());
      }
      if (kind == 2) {
        return Decision.overLimit(response.get(1).toInteger() - 1, response.get(2).toLong());
      }
      long[] remaining = new long[windows.size()];
      long[] reset = new long[windows.size()];
      for (int i = 0; i < windows.size(); i++) {
        remaining[i] = response.get(1 + 2 * i).toLong();
        reset[i] = response.get(2 + 2 * i).toLong();
      }
      return Decision.admitted(remaining, reset);
    });
  }

  @Override
  public Future<FailureRecord> record(ClientKeys keys, boolean failure, Window suspicious, boolean countGlobal,
      Window global, String member) {
    Request request = Request.cmd(Command.EVALSHA).arg(RECORD.sha()).arg(3)
        .arg(keys.block()).arg(keys.failures()).arg(keys.window(global))
        .arg(member).arg(now())
        .arg(failure ? "1" : "0").arg(suspicious.limit()).arg(suspicious.lengthMs())
        .arg(countGlobal ? "1" : "0").arg(global.limit()).arg(global.lengthMs());
    return eval(RECORD, request).map(response -> {
      long kind = response.get(0).toLong();
      long wait = response.size() > 1 ? response.get(1).toLong() : 0;
      return switch ((int) kind) {
        case 1 -> new FailureRecord(FailureRecord.Kind.BLOCKED, wait);
        case 2 -> new FailureRecord(FailureRecord.Kind.OVER_LIMIT, wait);
        case 3 -> new FailureRecord(FailureRecord.Kind.BLOCK_STARTED, wait);
        default -> new FailureRecord(FailureRecord.Kind.RECORDED, 0);
      };
    });
  }

  @Override
  public Future<Void> revoke(List<String> revocations, long ttlMs) {
    List<Request> commands = revocations.stream()
        .map(key -> Request.cmd(Command.SET).arg(key).arg("1").arg("PX").arg(Math.max(1, ttlMs)))
        .toList();
    return redis.batch(commands).timeout(timeoutMs, TimeUnit.MILLISECONDS).mapEmpty();
  }

  @Override
  public Future<Void> release(ClientKeys keys, Window window, String member) {
    return redis.send(Request.cmd(Command.ZREM).arg(keys.window(window)).arg(member))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS).mapEmpty();
  }

  /** Loads both scripts into Redis's script cache, so the first requests need no NOSCRIPT retry. */
  Future<Void> loadScripts() {
    return Future.all(
            redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(ADMIT.source())),
            redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(RECORD.source())))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS).mapEmpty();
  }

  /** Sends PING; succeeds only when Redis replies within the timeout. */
  Future<Void> ping() {
    return redis.send(Request.cmd(Command.PING)).timeout(timeoutMs, TimeUnit.MILLISECONDS).mapEmpty();
  }

  private String now() {
    return clockOverride == null ? "" : Long.toString(clockOverride.getAsLong());
  }

  private Future<Response> eval(Script script, Request request) {
    return redis.send(request)
        .recover(error -> isNoScript(error)
            ? redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source()))
                .compose(loaded -> redis.send(request))
            : Future.failedFuture(error))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** Redis error replies start with an upper-case error code; NOSCRIPT means the script cache lacks the SHA. */
  private static boolean isNoScript(Throwable error) {
    return error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT");
  }
}
