package io.securepets.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.net.IpAddresses;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.EventCapture;
import io.securepets.support.InProcessServer;
import io.securepets.support.RawHttps;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client address behind the limiter keys and the events' ip: unit tests of {@link ClientAddress}
 * and {@link IpAddresses}, then requests over real TLS to one server without trusted proxies and one
 * that trusts 127.0.0.1/32, both with a global limit of 3.
 */
class ClientAddressTest {

  private static final List<IpAddresses.Cidr> PROXIES = List.of(
      IpAddresses.Cidr.parse("127.0.0.1/32"), IpAddresses.Cidr.parse("10.0.0.0/8"));
  private static final SocketAddress PROXY_PEER = SocketAddress.inetSocketAddress(40000, "127.0.0.1");

  private static final int LIMIT = 3;
  private static final long WINDOW_MS = 60_000;

  private static InProcessServer direct;
  private static InProcessServer behindProxy;
  private static EventCapture events;

  @BeforeAll
  static void startServers() {
    Map<String, String> limits = Map.of("PETS_LIMIT_GLOBAL", String.valueOf(LIMIT),
        "PETS_LIMIT_GLOBAL_WINDOW_SECONDS", "60", "PETS_SUSPICIOUS_THRESHOLD", "1000");
    direct = InProcessServer.start(limits);
    Map<String, String> proxied = new java.util.HashMap<>(limits);
    proxied.put("PETS_TRUSTED_PROXIES", "127.0.0.1/32");
    behindProxy = InProcessServer.start(proxied);
    events = new EventCapture();
  }

  @AfterAll
  static void stopServers() {
    events.close();
    behindProxy.close();
    direct.close();
  }

  /** Lets every window of both servers empty, so each test starts with no request counted. */
  @BeforeEach
  void emptyWindows() {
    direct.clock().advance(WINDOW_MS);
    behindProxy.clock().advance(WINDOW_MS);
  }

  private static ClientAddress.Client resolve(List<IpAddresses.Cidr> trusted, SocketAddress peer,
      String... forwardedFor) {
    return new ClientAddress(trusted).resolve(peer, Arrays.asList(forwardedFor));
  }

  // IpAddresses

  @Test
  void mappedAddressParsesAsIpv4() {
    assertThat(IpAddresses.parse("::ffff:203.0.113.9")).isEqualTo(IpAddresses.parse("203.0.113.9"));
    assertThat(IpAddresses.parse("0:0:0:0:0:ffff:cb00:7109")).isEqualTo(IpAddresses.parse("203.0.113.9"));
    assertThat(IpAddresses.limiterKey(IpAddresses.parse("::ffff:203.0.113.9"))).isEqualTo("203.0.113.9");
  }

  @Test
  void bracketAndPortFormsParse() {
    byte[] ipv6 = IpAddresses.parse("2001:db8::1");
    byte[] ipv4 = IpAddresses.parse("203.0.113.9");

    assertThat(IpAddresses.parse("[2001:db8::1]")).isEqualTo(ipv6);
    assertThat(IpAddresses.parse("[2001:db8::1]:8443")).isEqualTo(ipv6);
    assertThat(IpAddresses.parse(" 2001:db8::1 ")).isEqualTo(ipv6);
    assertThat(IpAddresses.parse("fe80::1%eth0")).isEqualTo(IpAddresses.parse("fe80::1"));
    assertThat(IpAddresses.parse("203.0.113.9:8080")).isEqualTo(ipv4);
  }

  @Test
  void nonAddressesParseAsNull() {
    for (String text : new String[] {"", " ", "unknown", "localhost", "example.com", "_hidden", "1.2.3",
        "1.2.3.4.5", "256.1.1.1", "[2001:db8::1", "1.2.3.4:80:90", "for=1.2.3.4", "1.2.3.4/32",
        "2001:db8::1::2", "\u0661.2.3.4"}) {
      assertThat(IpAddresses.parse(text)).as("parse of '%s'", text).isNull();
    }
  }

  @Test
  void ipv6KeysGroupedBy64() {
    String key = IpAddresses.limiterKey(IpAddresses.parse("2001:db8:1:2:aaaa::1"));

    assertThat(key).isEqualTo("2001:db8:1:2::/64");
    assertThat(IpAddresses.limiterKey(IpAddresses.parse("2001:db8:1:2:ffff:ffff:ffff:ffff"))).isEqualTo(key);
    assertThat(IpAddresses.limiterKey(IpAddresses.parse("2001:db8:1:3::1"))).isNotEqualTo(key);
    assertThat(IpAddresses.limiterKey(IpAddresses.parse("203.0.113.9"))).isEqualTo("203.0.113.9");
  }

  @Test
  void cidrMatchesOnlyItsRange() {
    IpAddresses.Cidr ipv4 = IpAddresses.Cidr.parse("10.0.0.0/8");
    IpAddresses.Cidr ipv6 = IpAddresses.Cidr.parse("2001:db8::/32");
    IpAddresses.Cidr odd = IpAddresses.Cidr.parse("192.168.4.0/23");

    assertThat(ipv4.contains(IpAddresses.parse("10.255.0.1"))).isTrue();
    assertThat(ipv4.contains(IpAddresses.parse("11.0.0.1"))).isFalse();
    assertThat(ipv4.contains(IpAddresses.parse("::ffff:10.0.0.1"))).as("mapped form of 10.0.0.1").isTrue();
    assertThat(ipv4.contains(IpAddresses.parse("::a00:1"))).as("an IPv6 address with the same low bytes").isFalse();
    assertThat(ipv6.contains(IpAddresses.parse("2001:db8:ffff::1"))).isTrue();
    assertThat(ipv6.contains(IpAddresses.parse("2001:db9::1"))).isFalse();
    assertThat(odd.contains(IpAddresses.parse("192.168.5.255"))).isTrue();
    assertThat(odd.contains(IpAddresses.parse("192.168.6.0"))).isFalse();
    assertThat(IpAddresses.Cidr.parse("10.0.0.0/33")).isNull();
    assertThat(IpAddresses.Cidr.parse("10.0.0.0/8/8")).isNull();
    assertThat(IpAddresses.Cidr.parse("10.0.0.0/-1")).isNull();
    assertThat(IpAddresses.Cidr.parse("proxy.example.com")).isNull();
  }

  // ClientAddress.resolve

  @Test
  void untrustedPeerIgnoresForwardedFor() {
    SocketAddress peer = SocketAddress.inetSocketAddress(40000, "198.51.100.20");

    assertThat(resolve(PROXIES, peer, "203.0.113.7").text()).isEqualTo("198.51.100.20");
    assertThat(resolve(List.of(), PROXY_PEER, "203.0.113.7").text()).as("no trusted proxies at all")
        .isEqualTo("127.0.0.1");
  }

  @Test
  void trustedPeerUsesRightmostUntrustedHop() {
    assertThat(resolve(PROXIES, PROXY_PEER, "203.0.113.1, 198.51.100.2").text()).isEqualTo("198.51.100.2");
    assertThat(resolve(PROXIES, PROXY_PEER, "203.0.113.1, 198.51.100.2, 10.0.0.3").text())
        .as("a trusted hop on the right is skipped").isEqualTo("198.51.100.2");
    assertThat(resolve(PROXIES, PROXY_PEER, "10.0.0.1, 10.0.0.2").text()).as("only trusted hops")
        .isEqualTo("10.0.0.1");
    assertThat(resolve(PROXIES, PROXY_PEER).text()).as("no X-Forwarded-For").isEqualTo("127.0.0.1");
  }

  @Test
  void multipleHeadersReadInOrder() {
    assertThat(resolve(PROXIES, PROXY_PEER, "203.0.113.1", "198.51.100.2, 10.0.0.3").text())
        .isEqualTo("198.51.100.2");
    assertThat(resolve(PROXIES, PROXY_PEER, "198.51.100.2", "10.0.0.3").text()).isEqualTo("198.51.100.2");
    assertThat(resolve(PROXIES, PROXY_PEER, "10.0.0.3", "198.51.100.2").text()).isEqualTo("198.51.100.2");
  }

  @Test
  void garbageHopsNotBelieved() {
    assertThat(resolve(PROXIES, PROXY_PEER, "203.0.113.1, unknown").text())
        .as("an address left of garbage is not the client's to choose").isEqualTo("127.0.0.1");
    assertThat(resolve(PROXIES, PROXY_PEER, "unknown, 198.51.100.2").text()).isEqualTo("198.51.100.2");
    assertThat(resolve(PROXIES, PROXY_PEER, "203.0.113.1, <script>, 10.0.0.3").text())
        .as("garbage behind a trusted hop").isEqualTo("10.0.0.3");
    assertThat(resolve(PROXIES, PROXY_PEER, "203.0.113.1,,").text()).as("empty entries")
        .isEqualTo("127.0.0.1");
    assertThat(resolve(PROXIES, PROXY_PEER, "for=203.0.113.1").text()).as("a Forwarded-style value")
        .isEqualTo("127.0.0.1");
  }

  @Test
  void forwardedAddressForms() {
    assertThat(resolve(PROXIES, PROXY_PEER, "[2001:db8:1:2::5]:4711").text()).isEqualTo("2001:db8:1:2::5");
    assertThat(resolve(PROXIES, PROXY_PEER, "[2001:db8:1:2::5]").text()).isEqualTo("2001:db8:1:2::5");
    assertThat(resolve(PROXIES, PROXY_PEER, "203.0.113.9:4711").text()).isEqualTo("203.0.113.9");
    assertThat(resolve(PROXIES, PROXY_PEER, "::ffff:203.0.113.9").text()).isEqualTo("203.0.113.9");
    assertThat(resolve(PROXIES, PROXY_PEER, "2001:db8:1:2::5").limiterKey()).isEqualTo("2001:db8:1:2::/64");
  }

  @Test
  void mappedPeerCountsAsIpv4() {
    SocketAddress mappedClient = SocketAddress.inetSocketAddress(40000, "::ffff:198.51.100.20");
    SocketAddress mappedProxy = SocketAddress.inetSocketAddress(40000, "::ffff:127.0.0.1");

    assertThat(resolve(PROXIES, mappedClient).text()).isEqualTo("198.51.100.20");
    assertThat(resolve(PROXIES, mappedClient).limiterKey()).isEqualTo("198.51.100.20");
    assertThat(resolve(PROXIES, mappedProxy, "203.0.113.9").text()).as("a mapped trusted proxy")
        .isEqualTo("203.0.113.9");
  }

  @Test
  void ipv6ProxyTrustedByRange() {
    List<IpAddresses.Cidr> trusted = List.of(IpAddresses.Cidr.parse("::1/128"));
    SocketAddress peer = SocketAddress.inetSocketAddress(40000, "::1");

    assertThat(resolve(trusted, peer, "203.0.113.9").text()).isEqualTo("203.0.113.9");
  }

  // End to end

  private static String ipOfEvent(String requestId) {
    List<JsonObject> found = events.await(event -> requestId.equals(event.getString("requestId")), 1,
        java.time.Duration.ofSeconds(5));
    assertThat(found).as("events of request %s", requestId).hasSize(1);
    return found.get(0).getString("ip");
  }

  private static Response list(InProcessServer server, String header, String value) {
    return server.client().send("GET", "/v1/public/pets", null, null,
        header == null ? Map.of() : Map.of(header, value));
  }

  private static void exhaust(InProcessServer server, String header, String value) {
    for (int i = 1; i <= LIMIT; i++) {
      assertThat(list(server, header, value).status()).as("request %d with %s: %s", i, header, value)
          .isEqualTo(200);
    }
  }

  private static final String[][] SPOOFING_HEADERS = {
      {"X-Forwarded-For", "203.0.113.50"},
      {"X-Forwarded-For", "2001:db8:dead::1"},
      {"Forwarded", "for=203.0.113.51;proto=https"},
      {"Forwarded", "for=\"[2001:db8:dead::2]\""},
      {"X-Real-IP", "203.0.113.52"},
      {"X-Forwarded-Host", "203.0.113.53"},
      {"X-Client-IP", "203.0.113.54"},
      {"True-Client-IP", "203.0.113.55"}};

  @Test
  void spoofingIgnoredFromUntrustedPeer() {
    exhaust(direct, null, null);

    for (String[] spoof : SPOOFING_HEADERS) {
      Response response = list(direct, spoof[0], spoof[1]);

      assertThat(response.status()).as("%s: %s", spoof[0], spoof[1]).isEqualTo(429);
      assertThat(ipOfEvent(response.header("X-Request-Id"))).as("event ip with %s: %s", spoof[0], spoof[1])
          .isEqualTo("127.0.0.1");
    }
  }

  @Test
  void otherHeadersIgnoredFromTrustedPeer() {
    exhaust(behindProxy, null, null);

    for (String[] spoof : SPOOFING_HEADERS) {
      if (spoof[0].equals("X-Forwarded-For")) {
        continue;
      }
      Response response = list(behindProxy, spoof[0], spoof[1]);

      assertThat(response.status()).as("%s: %s", spoof[0], spoof[1]).isEqualTo(429);
      assertThat(ipOfEvent(response.header("X-Request-Id"))).as("event ip with %s: %s", spoof[0], spoof[1])
          .isEqualTo("127.0.0.1");
    }
  }

  @Test
  void forwardedForKeysTrustedRequests() {
    exhaust(behindProxy, "X-Forwarded-For", "203.0.113.7");

    Response rejected = list(behindProxy, "X-Forwarded-For", "203.0.113.7");
    Response otherClient = list(behindProxy, "X-Forwarded-For", "203.0.113.8");
    Response proxyItself = list(behindProxy, null, null);
    Response spoofedHop = list(behindProxy, "X-Forwarded-For", "203.0.113.99, 203.0.113.7");

    assertThat(rejected.status()).isEqualTo(429);
    assertThat(ipOfEvent(rejected.header("X-Request-Id"))).isEqualTo("203.0.113.7");
    assertThat(otherClient.status()).as("another forwarded client").isEqualTo(200);
    assertThat(proxyItself.status()).as("the proxy's own address").isEqualTo(200);
    assertThat(spoofedHop.status()).as("a spoofed hop left of the client").isEqualTo(429);
  }

  @Test
  void ipv6ClientsShareTheir64() {
    list(behindProxy, "X-Forwarded-For", "2001:db8:1:2::1");
    list(behindProxy, "X-Forwarded-For", "2001:db8:1:2:ffff::2");
    list(behindProxy, "X-Forwarded-For", "[2001:db8:1:2::3]:443");

    Response sameNetwork = list(behindProxy, "X-Forwarded-For", "2001:db8:1:2:abcd:ef01:2345:6789");
    Response nextNetwork = list(behindProxy, "X-Forwarded-For", "2001:db8:1:3::1");

    assertThat(sameNetwork.status()).as("a fourth address of the same /64").isEqualTo(429);
    assertThat(ipOfEvent(sameNetwork.header("X-Request-Id"))).isEqualTo("2001:db8:1:2:abcd:ef01:2345:6789");
    assertThat(nextNetwork.status()).as("the neighbouring /64").isEqualTo(200);
  }

  @Test
  void mappedClientSharesIpv4Key() {
    exhaust(behindProxy, "X-Forwarded-For", "::ffff:203.0.113.9");

    Response plain = list(behindProxy, "X-Forwarded-For", "203.0.113.9");

    assertThat(plain.status()).isEqualTo(429);
    assertThat(ipOfEvent(plain.header("X-Request-Id"))).isEqualTo("203.0.113.9");
  }

  @Test
  void repeatedForwardedForHeadersCombined() {
    RawHttps raw = new RawHttps(behindProxy.port(), behindProxy.config().tlsCert());

    RawHttps.Response combined = raw.send("GET", "/v1/pets",
        List.of("X-Forwarded-For: 198.51.100.1", "X-Forwarded-For: 203.0.113.20"));
    RawHttps.Response withGarbage = raw.send("GET", "/v1/pets",
        List.of("X-Forwarded-For: 198.51.100.1", "X-Forwarded-For: not-an-address"));

    assertThat(combined.status()).isEqualTo(401);
    assertThat(ipOfEvent(combined.header("X-Request-Id"))).as("the right-most header's address")
        .isEqualTo("203.0.113.20");
    assertThat(withGarbage.status()).isEqualTo(401);
    assertThat(ipOfEvent(withGarbage.header("X-Request-Id"))).as("garbage in the last header")
        .isEqualTo("127.0.0.1");
  }

  @Test
  void untrustedPeerKeyedBySocket() {
    RawHttps raw = new RawHttps(direct.port(), direct.config().tlsCert());
    exhaust(direct, "X-Forwarded-For", "203.0.113.60");

    Response sameSocketAddress = list(direct, "X-Forwarded-For", "203.0.113.61");
    RawHttps.Response otherSocketAddress = raw.send("127.0.0.2", "GET", "/v1/public/pets",
        List.of("X-Forwarded-For: 203.0.113.60"));
    RawHttps.Response unauthenticated = raw.send("127.0.0.2", "GET", "/v1/pets",
        List.of("X-Forwarded-For: 203.0.113.60"));

    assertThat(sameSocketAddress.status()).as("another forwarded address, same peer").isEqualTo(429);
    assertThat(otherSocketAddress.status()).as("the first forwarded address from 127.0.0.2").isEqualTo(200);
    assertThat(unauthenticated.status()).isEqualTo(401);
    assertThat(ipOfEvent(unauthenticated.header("X-Request-Id"))).isEqualTo("127.0.0.2");
  }
}
