package io.securepets.http;

import io.securepets.net.IpAddresses;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The address of the client that sent a request. It is the socket peer, unless the peer is one of
 * {@code PETS_TRUSTED_PROXIES}: then it is the right-most {@code X-Forwarded-For} entry that is not
 * itself a trusted proxy. {@code Forwarded} and {@code X-Forwarded-Host} are never read.
 */
public final class ClientAddress {

  private static final String KEY = "securepets.clientAddress";

  private final List<IpAddresses.Cidr> trustedProxies;

  public ClientAddress(List<IpAddresses.Cidr> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
  }

  /** The resolved client: its address bytes and the text form used in logs. */
  public record Client(byte[] address, String text) {

    /** Returns the limiter key: the IPv4 address, or the /64 network of an IPv6 address. */
    public String limiterKey() {
      return address == null ? text : IpAddresses.limiterKey(address);
    }
  }

  /** Resolves the client of {@code ctx} once and keeps it on the context. */
  public Client resolve(RoutingContext ctx) {
    Client cached = ctx.get(KEY);
    if (cached != null) {
      return cached;
    }
    Client client = resolve(ctx.request().remoteAddress(), ctx.request().headers().getAll("X-Forwarded-For"));
    ctx.put(KEY, client);
    return client;
  }

  Client resolve(SocketAddress peer, List<String> forwardedFor) {
    String peerText = peer == null ? null : peer.hostAddress();
    byte[] peerBytes = IpAddresses.parse(peerText);
    if (peerBytes == null) {
      return new Client(null, peerText == null ? "unknown" : peerText);
    }
    if (!isTrusted(peerBytes) || forwardedFor.isEmpty()) {
      return new Client(peerBytes, IpAddresses.format(peerBytes));
    }
    List<String> hops = new ArrayList<>();
    for (String header : forwardedFor) {
      // The limit -1 keeps trailing empty entries, so they stop the walk like any other non-address.
      for (String hop : header.split(",", -1)) {
        hops.add(hop.strip());
      }
    }
    byte[] nearest = peerBytes;
    for (int i = hops.size() - 1; i >= 0; i--) {
      byte[] hop = IpAddresses.parse(hops.get(i));
      if (hop == null) {
        // An entry that is not an address cannot be keyed; the proxy that forwarded it stands in.
        break;
      }
      nearest = hop;
      if (!isTrusted(hop)) {
        break;
      }
    }
    return new Client(nearest, IpAddresses.format(nearest));
  }

  private boolean isTrusted(byte[] address) {
    for (IpAddresses.Cidr range : trustedProxies) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** Returns the client text of a context whose client was already resolved, else the socket peer. */
  public static String of(RoutingContext ctx) {
    Client client = ctx.get(KEY);
    if (client != null) {
      return client.text();
    }
    SocketAddress peer = ctx.request().remoteAddress();
    return peer == null ? null : peer.hostAddress();
  }
}
