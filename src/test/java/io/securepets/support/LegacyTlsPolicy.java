package io.securepets.support;

import java.security.Security;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Lets the JDK's TLS implementation in the test JVM use TLS 1.0, TLS 1.1 and static ECDH key exchange,
 * which the JDK disables by default through the {@code jdk.tls.disabledAlgorithms} security property.
 * With them allowed, a legacy handshake that a test client starts does reach the server, so its
 * failure shows that the server's own settings reject it. The test server, which runs in the same JVM,
 * keeps rejecting them only if its configuration does.
 *
 * <p>JSSE reads the property once, when TLS is first used in the JVM, so this must run before that.
 */
public final class LegacyTlsPolicy {

  static final String PROPERTY = "jdk.tls.disabledAlgorithms";
  private static final Set<String> ALLOWED = Set.of("TLSv1", "TLSv1.1", "ECDH");

  private LegacyTlsPolicy() {
  }

  /** Removes TLSv1, TLSv1.1 and ECDH from the JDK's disabled TLS algorithms; other entries stay. */
  public static synchronized void allowInThisJvm() {
    String disabled = Security.getProperty(PROPERTY);
    if (disabled == null) {
      return;
    }
    String remaining = Arrays.stream(disabled.split(","))
        .map(String::trim)
        .filter(entry -> !entry.isEmpty() && !ALLOWED.contains(entry))
        .collect(Collectors.joining(", "));
    Security.setProperty(PROPERTY, remaining);
  }
}
