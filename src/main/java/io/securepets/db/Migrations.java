package io.securepets.db;

import io.securepets.config.AppConfig;
import io.securepets.config.ConfigException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned SQL migrations under {@code db/migration} with Flyway, on the calling
 * thread, before any verticle starts. Flyway takes a PostgreSQL advisory lock, so several processes
 * starting at once apply each migration exactly once.
 */
public final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {
  }

  /** Migrates the database; an unreachable database becomes a {@link ConfigException} naming PETS_PG_URL. */
  public static void apply(AppConfig.Database database) {
    Flyway flyway = Flyway.configure()
        .dataSource(database.jdbcUrl(), database.user(), database.password())
        .connectRetries(0)
        .locations("classpath:db/migration")
        .load();
    try {
      MigrateResult result = flyway.migrate();
      LOG.info("Database schema at version {} ({} migrations applied now)",
          result.targetSchemaVersion == null ? flyway.info().current().getVersion() : result.targetSchemaVersion,
          result.migrationsExecuted);
    } catch (FlywayException e) {
      throw new ConfigException("PETS_PG_URL: cannot migrate database " + database.database() + " at "
          + database.host() + ":" + database.port() + " (" + rootMessage(e) + ")");
    }
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
