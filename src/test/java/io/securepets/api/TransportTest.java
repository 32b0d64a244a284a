package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.securepets.support.ApiClient;
import io.securepets.support.LegacyTlsPolicy;
import io.securepets.support.TestEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TLS listener's protocols, cipher suites and ALPN, probed with raw SSLSockets, and the plain-HTTP
 * listener's redirect, probed with raw requests that a normal client would never send. The JDK's own
 * ban on TLS 1.0, TLS 1.1 and static ECDH is lifted in this JVM ({@link LegacyTlsPolicy}), so each
 * rejected handshake is refused by the server, which the alert in the client's exception confirms.
 */
class TransportTest {

  private static final String ORIGIN = "https://api.test.example:8443";
  private static final String[] ALPN_H2_AND_HTTP11 = {"h2", "http/1.1"};

  static {
    LegacyTlsPolicy.allowInThisJvm();
  }

  private static SSLContext trustingTestServer;

  @BeforeAll
  static void trustTestServer() {
    TestEnvironment env = TestEnvironment.get();
    trustingTestServer = ApiClient.trusting(env.certificate());
    assertThat(trustingTestServer.getDefaultSSLParameters().getProtocols())
        .as("client protocols: JSSE was initialised before LegacyTlsPolicy ran")
        .contains("TLSv1", "TLSv1.1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1", "TLSv1.1"})
  void legacyProtocolRejected(String protocol) {
    assertThatThrownBy(() -> handshake(new String[] {protocol}, null, ALPN_H2_AND_HTTP11))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("protocol_version");
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
  void modernProtocolAccepted(String protocol) throws IOException {
    SSLSession session = handshake(new String[] {protocol}, null, ALPN_H2_AND_HTTP11).session();

    assertThat(session.getProtocol()).isEqualTo(protocol);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"})
  void cbcSuiteRejected(String suite) {
    assertThatThrownBy(() -> handshake(new String[] {"TLSv1.2"}, suite, ALPN_H2_AND_HTTP11))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("handshake_failure");
  }

  /**
   * Static ECDH has no forward secrecy. The test certificate is ECDSA, so RSA key-exchange suites could
   * not be negotiated whatever the server allowed, and static ECDH is the non-ECDHE case that can fail.
   */
  @ParameterizedTest
  @ValueSource(strings = {"TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"})
  void staticEcdhSuiteRejected(String suite) {
    assertThatThrownBy(() -> handshake(new String[] {"TLSv1.2"}, suite, ALPN_H2_AND_HTTP11))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("handshake_failure");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"})
  void ecdheAeadSuiteAccepted(String suite) throws IOException {
    SSLSession session = handshake(new String[] {"TLSv1.2"}, suite, ALPN_H2_AND_HTTP11).session();

    assertThat(session.getProtocol()).isEqualTo("TLSv1.2");
    assertThat(session.getCipherSuite()).isEqualTo(suite);
  }

  /**
   * A second handshake that the client starts on a TLS 1.2 connection is a renegotiation. The server
   * rejects it with a fatal alert, so the next read fails instead of returning the response.
   */
  @Test
  void clientInitiatedRenegotiationRejected() throws IOException {
    int port = TestEnvironment.get().httpsPort();
    try (SSLSocket socket = (SSLSocket) trustingTestServer.getSocketFactory().createSocket("localhost", port)) {
      socket.setSoTimeout(10_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setProtocols(new String[] {"TLSv1.2"});
      parameters.setApplicationProtocols(new String[] {"http/1.1"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();

      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write("GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();

      // The JDK engine rejects a renegotiation with handshake_failure, BoringSSL with no_renegotiation.
      assertThatThrownBy(() -> readAll(socket.getInputStream()))
          .isInstanceOf(SSLException.class)
          .hasMessageMatching(".*(handshake_failure|no_renegotiation).*");
    }
  }

  @Test
  void alpnPrefersHttp2() throws IOException {
    Handshake result = handshake(new String[] {"TLSv1.3"}, null, ALPN_H2_AND_HTTP11);

    assertThat(result.applicationProtocol()).isEqualTo("h2");
  }

  @Test
  void alpnOffersHttp11() throws IOException {
    Handshake result = handshake(new String[] {"TLSv1.3"}, null, new String[] {"http/1.1"});

    assertThat(result.applicationProtocol()).isEqualTo("http/1.1");
  }

  @Test
  void plainGetRedirectsToOrigin() throws IOException {
    RawResponse response = plainHttp("GET /v1/pets?limit=5&cursor=abc HTTP/1.1\r\nHost: localhost\r\n");

    assertThat(response.statusLine()).isEqualTo("HTTP/1.1 301 Moved Permanently");
    assertThat(response.header("location")).isEqualTo(ORIGIN + "/v1/pets?limit=5&cursor=abc");
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"})
  void everyMethodRedirected(String method) throws IOException {
    String body = "{\"email\":\"a@example.com\",\"password\":\"secret\"}";
    String request = method + " /v1/auth/login?next=%2Fhome HTTP/1.1\r\nHost: localhost\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;

    RawResponse response = plainHttp(request, true);

    assertThat(response.status()).isEqualTo(301);
    assertThat(response.header("location")).isEqualTo(ORIGIN + "/v1/auth/login?next=%2Fhome");
  }

  @Test
  void hostHeadersIgnored() throws IOException {
    RawResponse response = plainHttp("GET /v1/pets HTTP/1.1\r\nHost: attacker.example\r\n"
        + "X-Forwarded-Host: attacker.example\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 80\r\n"
        + "Forwarded: host=attacker.example;proto=http\r\n");

    assertThat(response.status()).isEqualTo(301);
    assertThat(response.header("location")).isEqualTo(ORIGIN + "/v1/pets");
  }

  @Test
  void missingHostStillRedirects() throws IOException {
    RawResponse response = plainHttp("GET /v1/pets HTTP/1.0\r\n");

    assertThat(response.status()).isEqualTo(301);
    assertThat(response.header("location")).isEqualTo(ORIGIN + "/v1/pets");
  }

  @Test
  void absoluteFormTargetStaysOnOrigin() throws IOException {
    RawResponse response = plainHttp("GET http://attacker.example/x?y=1 HTTP/1.1\r\nHost: attacker.example\r\n");

    assertThat(response.status()).isEqualTo(301);
    assertThat(response.header("location")).isEqualTo(ORIGIN + "/x?y=1");
  }

  @Test
  void protocolRelativePathStaysOnOrigin() throws IOException {
    RawResponse response = plainHttp("GET //attacker.example/x HTTP/1.1\r\nHost: localhost\r\n");

    assertThat(response.header("location")).isEqualTo(ORIGIN + "//attacker.example/x");
    assertThat(URI.create(response.header("location")).getHost()).isEqualTo("api.test.example");
  }

  @Test
  void oddCharactersPercentEncoded() throws IOException {
    String target = "/a\"b<c>d\\e{f}g|h^i`j\u00e9?q=<x>\"y|\u00e9";

    RawResponse response = plainHttp("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n");

    assertThat(response.status()).isEqualTo(301);
    assertThat(response.header("location"))
        .isEqualTo(ORIGIN + "/a%22b%3Cc%3Ed%5Ce%7Bf%7Dg%7Ch%5Ei%60j%C3%A9?q=%3Cx%3E%22y%7C%C3%A9");
  }

  @Test
  void encodedLineBreakStaysEncoded() throws IOException {
    RawResponse response = plainHttp("GET /x%0D%0ASet-Cookie:%20session=stolen HTTP/1.1\r\nHost: localhost\r\n");

    assertThat(response.header("location")).isEqualTo(ORIGIN + "/x%0D%0ASet-Cookie:%20session=stolen");
    assertThat(response.header("set-cookie")).isNull();
  }

  @Test
  void plainHttpSendsNoHsts() throws IOException {
    RawResponse response = plainHttp("GET /health/live HTTP/1.1\r\nHost: localhost\r\n");

    assertThat(response.status()).isEqualTo(301);
    assertThat(response.header("strict-transport-security")).isNull();
  }

  /** The outcome of a completed TLS handshake. */
  private record Handshake(SSLSession session, String applicationProtocol) {
  }

  /**
   * Connects to the TLS listener as "localhost", enabling only {@code protocols}, only {@code suite}
   * when it is not null, and offering {@code alpn}. Throws SSLHandshakeException when the handshake fails.
   */
  private static Handshake handshake(String[] protocols, String suite, String[] alpn) throws IOException {
    int port = TestEnvironment.get().httpsPort();
    try (SSLSocket socket = (SSLSocket) trustingTestServer.getSocketFactory().createSocket("localhost", port)) {
      socket.setSoTimeout(10_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setProtocols(protocols);
      if (suite != null) {
        parameters.setCipherSuites(new String[] {suite});
      }
      parameters.setApplicationProtocols(alpn);
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      return new Handshake(socket.getSession(), socket.getApplicationProtocol());
    }
  }

  /** A plain-HTTP response: the status line and the headers, with lower-case names. */
  private record RawResponse(String statusLine, Map<String, List<String>> headers) {

    int status() {
      return Integer.parseInt(statusLine.split(" ")[1]);
    }

    String header(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : values.get(0);
    }
  }

  /** Sends {@code requestHead} (request line and headers) to the redirect listener with no body. */
  private static RawResponse plainHttp(String requestHead) throws IOException {
    return plainHttp(requestHead + "Connection: close\r\n\r\n", false);
  }

  /**
   * Sends {@code request} exactly as given (UTF-8), adding "Connection: close" unless {@code complete},
   * and reads the response head until the server closes the connection.
   */
  private static RawResponse plainHttp(String request, boolean complete) throws IOException {
    String text = complete ? request.replaceFirst("\r\n", "\r\nConnection: close\r\n") : request;
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), TestEnvironment.get().httpPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
      return parseHead(readAll(socket.getInputStream()));
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    in.transferTo(bytes);
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  private static RawResponse parseHead(String response) {
    int end = response.indexOf("\r\n\r\n");
    assertThat(end).as("end of the response head in: %s", response).isPositive();
    String[] lines = response.substring(0, end).split("\r\n");
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      headers.computeIfAbsent(name, key -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
    }
    return new RawResponse(lines[0], headers);
  }
}
