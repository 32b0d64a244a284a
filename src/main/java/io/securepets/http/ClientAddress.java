package io.securepets.http;

import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

/** The address of the client that sent a request. */
public final class ClientAddress {

  private ClientAddress() {
  }

  /**
   * Returns the socket peer's address. {@code X-Forwarded-For}, {@code Forwarded} and
   * {@code X-Forwarded-Host} are not read here.
   */
  // TODO: believe X-Forwarded-For from peers inside PETS_TRUSTED_PROXIES once that setting is enforced.
  public static String of(RoutingContext ctx) {
    SocketAddress peer = ctx.request().remoteAddress();
    return peer == null ? null : peer.hostAddress();
  }
}
