package io.securepets.ratelimit;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;

/**
 * A Redis client that sends every command over one connection it keeps open, so concurrent
 * commands are pipelined: they leave in one write and Redis handles them in one read. The pooled
 * client of vertx-redis-client lends a connection per command until its reply arrives. With many
 * requests in flight, each of its connections then carries one command at a time.
 *
 * <p>The connection is opened on first use, from {@code pool}, and forgotten when it ends or fails;
 * the next command then opens another. A command that gets no reply keeps the connection:
 * callers put their own deadline on each call, and a Redis that stops responding leaves every
 * connection equally stuck. One instance belongs to one verticle and is used from its event loop.
 */
public final class PipelinedRedis implements Redis {

  private final Redis pool;
  private Future<RedisConnection> connection;

  /** Creates a client that opens its connection from {@code pool} and closes {@code pool} in {@link #close}. */
  public PipelinedRedis(Redis pool) {
    this.pool = pool;
  }

  @Override
  public Future<RedisConnection> connect() {
    return pool.connect();
  }

  @Override
  public Future<Response> send(Request command) {
    return connection().compose(open -> open.send(command));
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    return connection().compose(open -> open.batch(commands));
  }

  @Override
  public Future<Void> close() {
    Future<RedisConnection> open = forget();
    if (open != null) {
      open.onSuccess(RedisConnection::close);
    }
    return pool.close();
  }

  private synchronized Future<RedisConnection> connection() {
    Future<RedisConnection> current = connection;
    if (current == null) {
      Future<RedisConnection> opening = pool.connect();
      connection = opening;
      opening.onComplete(opened -> {
        opened.endHandler(ended -> forget(opening));
        opened.exceptionHandler(error -> forget(opening));
      }, failure -> forget(opening));
      current = opening;
    }
    return current;
  }

  private synchronized Future<RedisConnection> forget() {
    Future<RedisConnection> current = connection;
    connection = null;
    return current;
  }

  private synchronized void forget(Future<RedisConnection> ended) {
    if (connection == ended) {
      connection = null;
    }
  }
}
