package io.securepets.config;

import io.securepets.crypto.KeyPairs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collection;

/**
 * Checks the TLS files at start, so that a wrong file stops the start with a line naming the setting
 * instead of failing at listen time or on every handshake.
 */
public final class TlsFiles {

  private TlsFiles() {
  }

  /**
   * Requires that {@code certificate} contains PEM certificates and {@code key} a PEM private key. When
   * the key is PKCS#8 (BEGIN PRIVATE KEY), it must also sign what the first certificate verifies.
   */
  public static void check(Path certificate, Path key) {
    X509Certificate leaf = firstCertificate(certificate);
    String keyText;
    try {
      keyText = Files.readString(key, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException("PETS_TLS_KEY names " + key + ", which cannot be read: " + e.getMessage());
    }
    if (!keyText.matches("(?s).*-----BEGIN (RSA |EC )?PRIVATE KEY-----.*")) {
      throw new ConfigException("PETS_TLS_KEY names " + key + ", which contains no PEM private key "
          + "(BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
    }
    if (keyText.contains("-----BEGIN PRIVATE KEY-----") && !KeyPairs.belongTogether(pkcs8(keyText), leaf.getPublicKey())) {
      throw new ConfigException("PETS_TLS_KEY " + key + " does not belong to the certificate in PETS_TLS_CERT "
          + certificate + ": use the key the certificate was issued for");
    }
  }

  private static X509Certificate firstCertificate(Path certificate) {
    try (InputStream in = Files.newInputStream(certificate)) {
      Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (chain.isEmpty() || !(chain.iterator().next() instanceof X509Certificate leaf)) {
        throw new ConfigException("PETS_TLS_CERT names " + certificate + ", which contains no PEM certificate");
      }
      return leaf;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException("PETS_TLS_CERT names " + certificate + ", which is not a PEM certificate chain");
    }
  }

  private static PrivateKey pkcs8(String text) {
    String base64 = text.substring(text.indexOf("-----BEGIN PRIVATE KEY-----") + 27,
        text.indexOf("-----END PRIVATE KEY-----")).replaceAll("\\s", "");
    byte[] der;
    try {
      der = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("PETS_TLS_KEY contains invalid base64 in its PRIVATE KEY block");
    }
    PrivateKey key = KeyPairs.pkcs8(der);
    if (key == null) {
      throw new ConfigException("PETS_TLS_KEY is not an RSA, EC or Ed25519 PKCS#8 private key");
    }
    return key;
  }
}
