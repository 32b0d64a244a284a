package io.securepets.pets;

import static io.securepets.db.PgConnections.guard;

import io.securepets.db.Outcome;
import io.securepets.validation.PageRequest;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Pets in PostgreSQL. Every statement that acts for a caller also confirms, in the same round trip,
 * that the caller's user still exists and owns the pet, so there is no window between the check and
 * the change.
 */
public final class PetRepository {

  private static final String PET_COLUMNS = """
      p.id AS pet_id, p.owner_id, p.name, p.species, p.breed, p.age, p.weight, p.is_public,
      p.created_at, p.updated_at""";

  private static final String OWN_FIRST_PAGE = """
      SELECT u.id AS caller_id, %s
      FROM users u
      LEFT JOIN LATERAL (
        SELECT * FROM pets WHERE owner_id = u.id ORDER BY created_at, id LIMIT $2
      ) p ON true
      WHERE u.id = $1
      ORDER BY p.created_at, p.id""".formatted(PET_COLUMNS);

  private static final String OWN_NEXT_PAGE = """
      SELECT u.id AS caller_id, %s
      FROM users u
      LEFT JOIN LATERAL (
        SELECT * FROM pets WHERE owner_id = u.id AND (created_at, id) > ($3, $4)
        ORDER BY created_at, id LIMIT $2
      ) p ON true
      WHERE u.id = $1
      ORDER BY p.created_at, p.id""".formatted(PET_COLUMNS);

  private static final String PUBLIC_FIRST_PAGE = """
      SELECT %s FROM pets p WHERE p.is_public ORDER BY p.created_at, p.id LIMIT $1""".formatted(PET_COLUMNS);

  private static final String PUBLIC_NEXT_PAGE = """
      SELECT %s FROM pets p WHERE p.is_public AND (p.created_at, p.id) > ($2, $3)
      ORDER BY p.created_at, p.id LIMIT $1""".formatted(PET_COLUMNS);

  private static final String FIND = """
      SELECT u.id AS caller_id, %s
      FROM users u LEFT JOIN pets p ON p.id = $2
      WHERE u.id = $1""".formatted(PET_COLUMNS);

  private static final String INSERT = """
      INSERT INTO pets AS p (owner_id, name, species, breed, age, weight, is_public)
      SELECT u.id, $2, $3, $4, $5, $6, $7 FROM users u WHERE u.id = $1
      RETURNING %s""".formatted(PET_COLUMNS);

  private static final String UPDATE = """
      WITH caller AS (SELECT id FROM users WHERE id = $1),
      target AS (SELECT owner_id FROM pets WHERE id = $2),
      changed AS (
        UPDATE pets p SET
          name = COALESCE($3, p.name),
          species = COALESCE($4, p.species),
          breed = COALESCE($5, p.breed),
          age = COALESCE($6, p.age),
          weight = COALESCE($7, p.weight),
          is_public = COALESCE($8, p.is_public),
          updated_at = now()
        FROM caller c
        WHERE p.id = $2 AND p.owner_id = c.id
        RETURNING %s
      )
      SELECT EXISTS (SELECT 1 FROM caller) AS caller_exists,
             (SELECT owner_id FROM target) AS target_owner,
             changed.*
      FROM (SELECT 1) AS one LEFT JOIN changed ON true""".formatted(PET_COLUMNS);

  private static final String DELETE = """
      WITH caller AS (SELECT id FROM users WHERE id = $1),
      target AS (SELECT owner_id FROM pets WHERE id = $2),
      removed AS (
        DELETE FROM pets p USING caller c WHERE p.id = $2 AND p.owner_id = c.id RETURNING p.id
      )
      SELECT EXISTS (SELECT 1 FROM caller) AS caller_exists,
             (SELECT owner_id FROM target) AS target_owner,
             EXISTS (SELECT 1 FROM removed) AS removed""";

  private final SqlClient reads;
  private final SqlClient writes;

  /**
   * Runs reads on {@code reads} and writes on {@code writes}. Reads never wait for a row lock, so they
   * may share pipelined connections. A write that waits for a lock would delay every statement queued
   * behind it on such a connection, so writes need connections lent to one statement at a time.
   */
  public PetRepository(SqlClient reads, SqlClient writes) {
    this.reads = reads;
    this.writes = writes;
  }

  /** A page of pets plus the position of its last item when more may follow. */
  public record Page(List<Pet> items, Pet last) {
  }

  /** Lists the caller's own pets after the page's position. */
  public Future<Outcome<Page>> listOwn(UUID callerId, PageRequest page) {
    Future<RowSet<Row>> rows = page.after() == null
        ? reads.preparedQuery(OWN_FIRST_PAGE).execute(Tuple.of(callerId, page.limit() + 1))
        : reads.preparedQuery(OWN_NEXT_PAGE).execute(Tuple.of(callerId, page.limit() + 1,
            utc(page.afterCreatedAt()), page.afterId()));
    return guard(rows).map(result -> {
      if (result.size() == 0) {
        return Outcome.of(Outcome.Status.UNKNOWN_CALLER);
      }
      List<Pet> pets = new ArrayList<>();
      for (Row row : result) {
        if (row.getUUID("pet_id") != null) {
          pets.add(Pet.from(row));
        }
      }
      return Outcome.ok(toPage(pets, page.limit()));
    });
  }

  /** Lists public pets of every owner after the page's position. */
  public Future<Page> listPublic(PageRequest page) {
    Future<RowSet<Row>> rows = page.after() == null
        ? reads.preparedQuery(PUBLIC_FIRST_PAGE).execute(Tuple.of(page.limit() + 1))
        : reads.preparedQuery(PUBLIC_NEXT_PAGE).execute(Tuple.of(page.limit() + 1,
            utc(page.afterCreatedAt()), page.afterId()));
    return guard(rows).map(result -> {
      List<Pet> pets = new ArrayList<>();
      result.forEach(row -> pets.add(Pet.from(row)));
      return toPage(pets, page.limit());
    });
  }

  private static Page toPage(List<Pet> fetched, int limit) {
    if (fetched.size() <= limit) {
      return new Page(fetched, null);
    }
    List<Pet> items = fetched.subList(0, limit);
    return new Page(items, items.get(limit - 1));
  }

  /** Returns the pet when the caller owns it. */
  public Future<Outcome<Pet>> findOwned(UUID callerId, UUID petId) {
    return guard(reads.preparedQuery(FIND).execute(Tuple.of(callerId, petId))).map(result -> {
      if (result.size() == 0) {
        return Outcome.of(Outcome.Status.UNKNOWN_CALLER);
      }
      Row row = result.iterator().next();
      if (row.getUUID("pet_id") == null) {
        return Outcome.of(Outcome.Status.NOT_FOUND);
      }
      Pet pet = Pet.from(row);
      return pet.ownerId().equals(callerId) ? Outcome.ok(pet) : Outcome.of(Outcome.Status.FORBIDDEN);
    });
  }

  /** Creates a pet owned by the caller. */
  public Future<Outcome<Pet>> create(UUID callerId, PetChanges pet) {
    Tuple values = Tuple.of(callerId, pet.name(), pet.species(), pet.breed(), pet.age(), pet.weight(),
        pet.isPublic() != null && pet.isPublic());
    return guard(writes.preparedQuery(INSERT).execute(values)).map(result -> result.size() == 0
        ? Outcome.<Pet>of(Outcome.Status.UNKNOWN_CALLER)
        : Outcome.ok(Pet.from(result.iterator().next())));
  }

  /** Applies the present fields of {@code changes} to the caller's pet. */
  public Future<Outcome<Pet>> update(UUID callerId, UUID petId, PetChanges changes) {
    Tuple values = Tuple.of(callerId, petId, changes.name(), changes.species(), changes.breed(), changes.age(),
        changes.weight(), changes.isPublic());
    return guard(writes.preparedQuery(UPDATE).execute(values)).map(result -> {
      Row row = result.iterator().next();
      Outcome.Status status = checks(row);
      return status == Outcome.Status.OK ? Outcome.ok(Pet.from(row)) : Outcome.<Pet>of(status);
    });
  }

  /** Deletes the caller's pet. */
  public Future<Outcome<Void>> delete(UUID callerId, UUID petId) {
    return guard(writes.preparedQuery(DELETE).execute(Tuple.of(callerId, petId)))
        .map(result -> Outcome.<Void>of(checks(result.iterator().next())));
  }

  private static Outcome.Status checks(Row row) {
    if (!row.getBoolean("caller_exists")) {
      return Outcome.Status.UNKNOWN_CALLER;
    }
    if (row.getUUID("target_owner") == null) {
      return Outcome.Status.NOT_FOUND;
    }
    boolean changed = row.getColumnIndex("removed") >= 0 ? row.getBoolean("removed") : row.getUUID("pet_id") != null;
    return changed ? Outcome.Status.OK : Outcome.Status.FORBIDDEN;
  }

  private static OffsetDateTime utc(java.time.Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
