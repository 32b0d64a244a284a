package io.securepets.users;

import io.securepets.http.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A stored user without its secrets: the password hash, API keys and internal notes are never read
 * into this type, so no view or log line can include them.
 */
public record User(UUID id, String email, String name, String role, List<String> scopes, OffsetDateTime createdAt,
    OffsetDateTime lastLoginAt) {

  /** Columns for {@link #from}, prefixed with the table alias {@code alias}. */
  static String columns(String alias) {
    return String.join(", ", Arrays.stream(new String[] {"id", "email", "name", "role", "scopes", "created_at",
        "last_login_at"}).map(column -> alias + "." + column + " AS " + alias + "_" + column).toList());
  }

  static User from(Row row, String alias) {
    String[] scopes = row.getArrayOfStrings(alias + "_scopes");
    return new User(row.getUUID(alias + "_id"), row.getString(alias + "_email"), row.getString(alias + "_name"),
        row.getString(alias + "_role"), scopes == null ? List.of() : List.of(scopes),
        row.getOffsetDateTime(alias + "_created_at"), row.getOffsetDateTime(alias + "_last_login_at"));
  }

  /** Returns the view for callers with scope admin:all. */
  public JsonObject adminView() {
    return selfView().put("role", role)
        .put("lastLoginAt", lastLoginAt == null ? null : Timestamps.format(lastLoginAt));
  }

  /** Returns the view for the user themself. */
  public JsonObject selfView() {
    return publicView().put("email", email).put("createdAt", Timestamps.format(createdAt));
  }

  /** Returns the view for anyone else. */
  public JsonObject publicView() {
    return new JsonObject().put("id", id.toString()).put("name", name);
  }

  /** Returns the output of the {@code users create} command. */
  public JsonObject createdView() {
    return selfView().put("role", role).put("scopes", new JsonArray(scopes));
  }
}
