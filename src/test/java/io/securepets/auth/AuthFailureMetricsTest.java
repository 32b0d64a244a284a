package io.securepets.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.securepets.auth.AuthFailureMetrics.Reason;
import io.securepets.http.ApiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The mapping from 401 bodies to the fixed set of reason labels. */
class AuthFailureMetricsTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "Expected one Authorization header of the form Bearer <token>|MALFORMED_HEADER",
      "Token too long|MALFORMED_TOKEN",
      "Malformed token|MALFORMED_TOKEN",
      "Missing signature|MALFORMED_TOKEN",
      "Unsupported token header: jku|MALFORMED_TOKEN",
      "Algorithm not allowed|ALGORITHM_NOT_ALLOWED",
      "Invalid signature|INVALID_SIGNATURE",
      "Token expired|EXPIRED",
      "Token not yet valid|NOT_YET_VALID",
      "Token issued in the future|NOT_YET_VALID",
      "Missing exp claim|INVALID_CLAIMS",
      "Invalid issuer|INVALID_CLAIMS",
      "Invalid audience|INVALID_CLAIMS",
      "Missing sub claim|INVALID_CLAIMS",
      "Invalid sub claim|INVALID_CLAIMS",
      "Invalid scope claim|INVALID_CLAIMS",
      "User no longer exists|UNKNOWN_USER",
      "Some message added later|OTHER"})
  void invalidTokenMessageMapped(String message, Reason expected) {
    assertThat(AuthFailureMetrics.reason(ApiException.invalidToken(message))).isEqualTo(expected);
  }

  @Test
  void missingCredentialsMapped() {
    assertThat(AuthFailureMetrics.reason(ApiException.authenticationRequired()))
        .isEqualTo(Reason.MISSING_CREDENTIALS);
  }

  @Test
  void failedLoginMapped() {
    assertThat(AuthFailureMetrics.reason(ApiException.invalidCredentials())).isEqualTo(Reason.INVALID_CREDENTIALS);
  }

  @Test
  void otherStatusNotCounted() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AuthFailureMetrics metrics = new AuthFailureMetrics(registry);

    metrics.record(ApiException.accessDenied("Not the owner"));
    metrics.record(ApiException.invalidToken("Token expired"));

    assertThat(registry.get("securepets.auth.failures").tag("reason", "expired").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("securepets.auth.failures").counters().stream().mapToDouble(c -> c.count()).sum())
        .isEqualTo(1.0);
  }
}
