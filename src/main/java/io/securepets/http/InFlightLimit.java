package io.securepets.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load shedding: the first step of the chain, which bounds the requests one verticle instance
 * serves at a time. A request over the limit gets an immediate 503 with {@code Retry-After}, written
 * here without any further step: no body is read, no token verified, no Redis or PostgreSQL call
 * made. Queues in front of the database and Redis pools therefore stay short, and excess load gets a
 * fast response instead of a timeout.
 *
 * <p>A request gives its slot back while its body arrives ({@link #releaseWhileReading}) and takes
 * one again once the body is complete ({@link #reacquire}), so clients that send a body slowly
 * cannot fill the limit and lock everyone else out. {@code GET /health/live} is not counted, so a
 * liveness probe still passes while the service sheds load.
 *
 * <p>One instance belongs to one verticle and is used only on its event loop, so the counter needs
 * no synchronization.
 *
 * <p>NOTE: the default limit (PETS_MAX_IN_FLIGHT, 1024) lets 1024 keep-alive clients with one request
 * each through without shedding, which 128 did not in the benchmark at 1024 connections; it stays
 * within the PostgreSQL pool's wait queue. Its sizing was measured only on a 2-core machine with a
 * local database.
 */
public final class InFlightLimit implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(InFlightLimit.class);

  /** Seconds a rejected client is asked to wait before it retries. */
  static final String RETRY_AFTER_SECONDS = "1";

  private static final String HOLDS_SLOT_KEY = "securepets.inFlight.holdsSlot";
  private static final String LIVENESS_PATH = "/health/live";
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final Buffer BUSY_BODY = new JsonObject()
      .put("error", "Service unavailable")
      .put("message", "Server busy, retry later")
      .toBuffer();

  private final int maxInFlight;
  private int inFlight;
  private long rejectedSinceLog;
  private long lastLogNanos;
  private boolean logged;

  /** Creates the limit of one verticle instance: at most {@code maxInFlight} requests at a time. */
  public InFlightLimit(int maxInFlight) {
    this.maxInFlight = maxInFlight;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (LIVENESS_PATH.equals(ctx.request().path())) {
      ctx.next();
      return;
    }
    if (acquire(ctx)) {
      // Runs once, when the response ends or the connection or stream closes before that.
      ctx.addEndHandler(ended -> release(ctx));
      ctx.next();
    }
  }

  /**
   * Returns the chain step to place before a body reader, which gives the request's slot back while
   * the client sends the body. It is a {@link PlatformHandler} because Vert.x accepts no other kind
   * of handler before a body handler on the same route.
   */
  public PlatformHandler releaseWhileReading() {
    return ctx -> {
      release(ctx);
      ctx.next();
    };
  }

  /** Chain step after a body reader: takes a slot again, or responds with 503 when none is free. */
  public void reacquire(RoutingContext ctx) {
    if (acquire(ctx)) {
      ctx.next();
    }
  }

  private boolean acquire(RoutingContext ctx) {
    if (inFlight >= maxInFlight) {
      reject(ctx.response());
      return false;
    }
    inFlight++;
    ctx.put(HOLDS_SLOT_KEY, Boolean.TRUE);
    return true;
  }

  private void release(RoutingContext ctx) {
    if (ctx.remove(HOLDS_SLOT_KEY) != null) {
      inFlight--;
    }
  }

  private void reject(HttpServerResponse response) {
    response.putHeader("Retry-After", RETRY_AFTER_SECONDS);
    Responses.json(response, 503, BUSY_BODY);
    rejectedSinceLog++;
    long now = System.nanoTime();
    if (!logged || now - lastLogNanos >= LOG_INTERVAL_NANOS) {
      LOG.atWarn()
          .addKeyValue("maxInFlight", maxInFlight)
          .addKeyValue("rejectedSinceLastLine", rejectedSinceLog)
          .log("Server busy, rejecting requests over the in-flight limit with 503");
      logged = true;
      lastLogNanos = now;
      rejectedSinceLog = 0;
    }
  }
}
