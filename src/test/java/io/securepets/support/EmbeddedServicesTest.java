package io.securepets.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/** Runs against the embedded servers even when PETS_TEST_PG_URL and PETS_TEST_REDIS_URL are set. */
class EmbeddedServicesTest {

  @Test
  void postgresAnswersQueries() throws SQLException {
    String url = EmbeddedServices.postgresUrl();

    assertThat(url).startsWith("postgresql://postgres@127.0.0.1:").endsWith("/postgres");
    assertThat(EmbeddedServices.postgresUrl()).isEqualTo(url);
    try (Connection connection = TestEnvironment.jdbc(url);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT current_user, current_setting('server_encoding')")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("postgres");
      assertThat(rows.getString(2)).isEqualTo("UTF8");
    }
  }

  @Test
  void postgresRunsAsUnprivilegedAccount() throws SQLException {
    String expectedUser = System.getProperty("user.name");
    if (AccountSwitch.runningAsRoot()) {
      AccountSwitch.Account nobody = AccountSwitch.Account.fromPasswd("nobody").orElseThrow();
      assumeFalse(AccountSwitch.working(nobody, new ArrayList<>()).isEmpty(),
          "no tool can switch to nobody, so PostgreSQL runs under zonky's unshare -U");
      expectedUser = "nobody";
    }

    try (Connection connection = TestEnvironment.jdbc(EmbeddedServices.postgresUrl());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
      rows.next();
      ProcessHandle backend = ProcessHandle.of(rows.getLong(1)).orElseThrow();

      assertThat(backend.info().user()).contains(expectedUser);
    }
  }

  @Test
  void redisAnswersPing() throws IOException {
    URI url = URI.create(EmbeddedServices.redisUrl());

    assertThat(url.getHost()).isEqualTo("127.0.0.1");
    try (Socket socket = new Socket(url.getHost(), url.getPort())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int read = in.readNBytes(reply, 0, reply.length);

      assertThat(new String(reply, 0, read, StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
    }
  }
}
