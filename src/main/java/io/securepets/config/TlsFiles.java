package io.securepets.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;

/**
 * Checks the TLS files at start, so that a wrong file stops the start with a line naming the setting
 * instead of failing at listen time or on every handshake.
 */
public final class TlsFiles {

  private static final byte[] PROBE = "secure-pets TLS key probe".getBytes(StandardCharsets.US_ASCII);

  private TlsFiles() {
  }

  /**
   * Requires that {@code certificate} holds PEM certificates and {@code key} a PEM private key. When
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
      throw new ConfigException("PETS_TLS_KEY names " + key + ", which holds no PEM private key "
          + "(BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
    }
    if (keyText.contains("-----BEGIN PRIVATE KEY-----") && !matches(leaf.getPublicKey(), pkcs8(keyText))) {
      throw new ConfigException("PETS_TLS_KEY " + key + " does not belong to the certificate in PETS_TLS_CERT "
          + certificate + ": use the key the certificate was issued for");
    }
  }

  private static X509Certificate firstCertificate(Path certificate) {
    try (InputStream in = Files.newInputStream(certificate)) {
      Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (chain.isEmpty() || !(chain.iterator().next() instanceof X509Certificate leaf)) {
        throw new ConfigException("PETS_TLS_CERT names " + certificate + ", which holds no PEM certificate");
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
      throw new ConfigException("PETS_TLS_KEY holds invalid base64 in its PRIVATE KEY block");
    }
    for (String type : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(type).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // Try the next key type.
      }
    }
    throw new ConfigException("PETS_TLS_KEY is not an RSA, EC or Ed25519 PKCS#8 private key");
  }

  private static boolean matches(PublicKey publicKey, PrivateKey privateKey) {
    String algorithm = switch (privateKey.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> "Ed25519";
    };
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
