package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.Fixtures.TestUser;
import io.securepets.support.TestEnvironment;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The /v1/pets and /v1/public/pets endpoints, checked from the caller's side over TLS. */
class PetsTest {

  private static final Set<String> OWNER_VIEW = Set.of("id", "ownerId", "name", "species", "breed", "age",
      "weight", "isPublic", "createdAt", "updatedAt");
  private static final Set<String> PUBLIC_VIEW = Set.of("id", "name", "species", "breed", "age");
  private static final JsonObject MALFORMED_JSON = new JsonObject().put("error", "Malformed JSON");
  private static final JsonObject PET_NOT_FOUND = new JsonObject().put("error", "Pet not found");
  private static final JsonObject NOT_OWNER = new JsonObject().put("error", "Access denied")
      .put("message", "You do not own this pet");

  private static TestUser owner;
  private static TestUser stranger;

  private final ApiClient client = ApiClient.forTestServer();

  @BeforeAll
  static void createUsers() {
    owner = Fixtures.user("read:pets", "write:pets", "delete:pets");
    stranger = Fixtures.user("read:pets", "write:pets", "delete:pets");
  }

  // ---- create ----

  @Test
  void infiniteTimestampStillAnswered() throws Exception {
    TestUser owner = Fixtures.user("read:pets", "write:pets");
    String id = Fixtures.pet(owner, Map.of("name", "Forever")).getString("id");
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement update = db.prepareStatement(
            "UPDATE pets SET updated_at = 'infinity', created_at = '-infinity' WHERE id = ?::uuid")) {
      update.setString(1, id);
      update.executeUpdate();
    }

    Response single = client.get("/v1/pets/" + id, owner.token());
    Response page = client.get("/v1/pets?limit=50", owner.token());

    assertThat(single.status()).as(single.body()).isEqualTo(200);
    assertThat(single.json().getString("updatedAt")).isNotBlank();
    assertThat(page.status()).as(page.body()).isEqualTo(200);
    assertThat(page.json().getJsonArray("items")).hasSize(1);
  }

  @Test
  void createReturnsOwnerView() {
    Response response = client.post("/v1/pets", owner.token(),
        "{\"name\":\"Rex\",\"species\":\"DOG\",\"breed\":\"Beagle\",\"age\":3,\"weight\":12.5}");

    assertThat(response.status()).isEqualTo(201);
    JsonObject pet = response.json();
    assertThat(pet.fieldNames()).containsExactlyInAnyOrderElementsOf(OWNER_VIEW);
    assertThat(response.header("Location")).isEqualTo("/v1/pets/" + pet.getString("id"));
    assertThat(response.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    assertThat(UUID.fromString(pet.getString("id"))).isNotNull();
    assertThat(pet.getString("ownerId")).isEqualTo(owner.id().toString());
    assertThat(pet.getString("name")).isEqualTo("Rex");
    assertThat(pet.getString("species")).isEqualTo("DOG");
    assertThat(pet.getString("breed")).isEqualTo("Beagle");
    assertThat(pet.getInteger("age")).isEqualTo(3);
    assertThat(pet.getDouble("weight")).isEqualTo(12.5);
    assertThat(pet.getBoolean("isPublic")).isFalse();
    assertThat(Instant.parse(pet.getString("createdAt"))).isNotNull();
    assertThat(pet.getString("updatedAt")).isEqualTo(pet.getString("createdAt"));
  }

  @Test
  void createWithOnlyRequiredFields() {
    JsonObject pet = createOk("{\"name\":\"Tiny\",\"species\":\"BIRD\"}");

    assertThat(pet.fieldNames()).containsExactlyInAnyOrderElementsOf(OWNER_VIEW);
    assertThat(pet.getValue("breed")).isNull();
    assertThat(pet.getValue("age")).isNull();
    assertThat(pet.getValue("weight")).isNull();
    assertThat(pet.getBoolean("isPublic")).isFalse();
  }

  @Test
  void createKeepsExplicitPublicFlag() {
    JsonObject pet = createOk("{\"name\":\"Shown\",\"species\":\"CAT\",\"isPublic\":true}");

    assertThat(pet.getBoolean("isPublic")).isTrue();
  }

  @Test
  void createAcceptsBoundaryValues() {
    String name = "n".repeat(100);
    JsonObject low = createOk("{\"name\":\"" + name + "\",\"species\":\"RABBIT\",\"age\":0,\"weight\":0}");
    JsonObject high = createOk("{\"name\":\"Old\",\"species\":\"RABBIT\",\"age\":30,\"weight\":500,"
        + "\"breed\":\"" + "b".repeat(100) + "\"}");

    assertThat(low.getString("name")).isEqualTo(name);
    assertThat(low.getInteger("age")).isZero();
    assertThat(low.getDouble("weight")).isZero();
    assertThat(high.getInteger("age")).isEqualTo(30);
    assertThat(high.getDouble("weight")).isEqualTo(500.0);
    assertThat(high.getString("breed")).hasSize(100);
  }

  @Test
  void nameLengthCountsCodePoints() {
    String dog = new String(Character.toChars(0x1F415));

    Response hundred = client.post("/v1/pets", owner.token(), body(dog.repeat(100)));
    Response hundredOne = client.post("/v1/pets", owner.token(), body(dog.repeat(101)));

    assertThat(hundred.status()).isEqualTo(201);
    assertThat(hundred.json().getString("name")).isEqualTo(dog.repeat(100));
    assertValidationFailure(hundredOne, "name");
  }

  @Test
  void createTrimsNameAndBreed() {
    JsonObject pet = createOk("{\"name\":\"   Rex  \",\"species\":\"DOG\",\"breed\":\"  Collie \"}");

    assertThat(pet.getString("name")).isEqualTo("Rex");
    assertThat(pet.getString("breed")).isEqualTo("Collie");
  }

  @Test
  void createKeepsAmpersandText() {
    JsonObject pet = createOk(body("Tom & Jerry"));

    assertThat(pet.getString("name")).isEqualTo("Tom & Jerry");
  }

  @Test
  void createStripsMarkupFromName() {
    JsonObject pet = createOk(body("<b>Rex</b>"));

    assertThat(pet.getString("name")).isEqualTo("Rex");
  }

  @Test
  void createStripsEncodedMarkup() {
    JsonObject pet = createOk(body("&lt;b&gt;Max"));

    assertThat(pet.getString("name")).contains("Max");
    assertThat(pet.getString("name")).doesNotContain("<");
    assertThat(pet.getString("name")).doesNotContain(">");
  }

  @Test
  void createNeverReturnsEncodedMarkup() {
    String encoded = "<b>Max</b>";
    for (int depth = 1; depth <= 6; depth++) {
      encoded = encoded.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
      String json = "{\"name\":\"" + encoded + "\",\"species\":\"DOG\",\"breed\":\"" + encoded + "\"}";

      Response response = client.post("/v1/pets", owner.token(), json);

      assertThat(response.status()).as(encoded).isIn(201, 422);
      JsonObject pet = response.status() == 201 ? response.json() : new JsonObject();
      assertThat(pet.getString("name", "")).as(encoded).doesNotContain("<", ">");
      assertThat(pet.getString("breed", "")).as(encoded).doesNotContain("<", ">");
    }
  }

  @Test
  void createStripsMarkupFromBreed() {
    JsonObject pet = createOk("{\"name\":\"Rex\",\"species\":\"DOG\","
        + "\"breed\":\"<i>Lab</i>rador<script>alert(1)</script>\"}");

    assertThat(pet.getString("breed")).isEqualTo("Labrador");
  }

  @Test
  void createRejectsMarkupOnlyNames() {
    for (String name : List.of("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")) {
      Response response = client.post("/v1/pets", owner.token(), body(name));

      assertValidationFailure(response, "name");
    }
  }

  @Test
  void createRejectsInvalidFields() {
    Map<String, String> bodies = new LinkedHashMap<>();
    bodies.put("{\"species\":\"DOG\"}", "name");
    bodies.put("{\"name\":\"\",\"species\":\"DOG\"}", "name");
    bodies.put("{\"name\":\"   \",\"species\":\"DOG\"}", "name");
    bodies.put("{\"name\":\"" + "n".repeat(101) + "\",\"species\":\"DOG\"}", "name");
    bodies.put("{\"name\":42,\"species\":\"DOG\"}", "name");
    bodies.put("{\"name\":null,\"species\":\"DOG\"}", "name");
    bodies.put("{\"name\":\"Rex\"}", "species");
    bodies.put("{\"name\":\"Rex\",\"species\":\"HAMSTER\"}", "species");
    bodies.put("{\"name\":\"Rex\",\"species\":\"dog\"}", "species");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"breed\":\"" + "b".repeat(101) + "\"}", "breed");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"age\":-1}", "age");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"age\":31}", "age");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"age\":2.5}", "age");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"age\":\"3\"}", "age");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"age\":99999999999999999999}", "age");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"weight\":-0.1}", "weight");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"weight\":500.1}", "weight");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"weight\":1e999}", "weight");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"weight\":\"12\"}", "weight");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"isPublic\":\"true\"}", "isPublic");
    bodies.put("{\"name\":\"Rex\",\"species\":\"DOG\",\"isPublic\":1}", "isPublic");

    bodies.forEach((json, field) -> assertValidationFailure(client.post("/v1/pets", owner.token(), json), field));
  }

  @Test
  void createRejectsControlCharacters() {
    for (String escaped : List.of("\\u0000", "\\u0007", "\\u001b", "\\u007f", "\\u0085")) {
      String json = "{\"name\":\"Re" + escaped + "x\",\"species\":\"DOG\"}";

      assertValidationFailure(client.post("/v1/pets", owner.token(), json), "name");
    }
  }

  @Test
  void createRejectsMassAssignment() {
    Map<String, String> extras = new LinkedHashMap<>();
    extras.put("ownerId", "\"" + stranger.id() + "\"");
    extras.put("id", "\"" + UUID.randomUUID() + "\"");
    extras.put("createdAt", "\"2020-01-01T00:00:00.000Z\"");
    extras.put("updatedAt", "\"2020-01-01T00:00:00.000Z\"");

    extras.forEach((field, value) -> {
      String json = "{\"name\":\"Rex\",\"species\":\"DOG\",\"" + field + "\":" + value + "}";

      assertValidationFailure(client.post("/v1/pets", owner.token(), json), field);
    });
    assertThat(countPets(stranger.id())).isZero();
  }

  @Test
  void createRejectsNonObjectBodies() {
    for (String json : List.of("[{\"name\":\"Rex\",\"species\":\"DOG\"}]", "\"Rex\"", "42", "null")) {
      Response response = client.post("/v1/pets", owner.token(), json);

      assertThat(response.status()).as(json).isEqualTo(422);
      assertThat(response.json().getString("error")).as(json).isEqualTo("Validation failed");
      assertThat(response.json().getJsonArray("details")).as(json).isNotEmpty();
    }
  }

  @Test
  void createRejectsMalformedJson() {
    List<String> bodies = List.of(
        "{\"name\":\"Rex\",\"species\":\"DOG\"",
        "{\"name\":\"Rex\",\"species\":\"DOG\",}",
        "{/* comment */\"name\":\"Rex\",\"species\":\"DOG\"}",
        "{\"name\":\"Rex\",\"species\":\"DOG\"} // comment",
        "{'name':'Rex','species':'DOG'}",
        "{\"name\":\"Rex\",\"name\":\"Max\",\"species\":\"DOG\"}",
        "{\"name\":\"Rex\",\"species\":\"DOG\"}{}",
        "{\"name\":\"Rex\",\"species\":\"DOG\",\"weight\":NaN}",
        "");

    for (String json : bodies) {
      Response response = client.post("/v1/pets", owner.token(), json);

      assertThat(response.status()).as(json).isEqualTo(400);
      assertThat(response.json()).as(json).isEqualTo(MALFORMED_JSON);
    }
  }

  @Test
  void createRejectsDeepNestingQuickly() {
    long started = System.nanoTime();
    Response response = client.post("/v1/pets", owner.token(), "[".repeat(10_000));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json()).isEqualTo(MALFORMED_JSON);
    assertThat(elapsed).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void createRejectsLargeDeclaredBody() {
    String name = "Declared " + UUID.randomUUID();

    Response response = client.post("/v1/pets", owner.token(), paddedBody(name, 17 * 1024));

    assertThat(response.status()).isEqualTo(413);
    assertThat(response.json().getString("error")).isNotBlank();
    assertThat(countPets(owner.id(), name)).isZero();
  }

  @Test
  void bodyLimitIsSixteenKibibytes() {
    Response accepted = client.post("/v1/pets", owner.token(), paddedBody("At Limit", 16 * 1024));
    Response rejected = client.post("/v1/pets", owner.token(), paddedBody("Over Limit", 16 * 1024 + 1));

    assertThat(accepted.status()).isEqualTo(201);
    assertThat(rejected.status()).isEqualTo(413);
  }

  @Test
  void createRejectsLargeStreamedBody() throws Exception {
    String name = "Streamed " + UUID.randomUUID();
    byte[] json = paddedBody(name, 17 * 1024).getBytes(StandardCharsets.UTF_8);
    TestEnvironment env = TestEnvironment.get();
    HttpClient http = HttpClient.newBuilder()
        .sslContext(ApiClient.trusting(env.certificate()))
        .version(HttpClient.Version.HTTP_1_1)
        .build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + env.httpsPort() + "/v1/pets"))
        .timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + owner.token())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(json)))
        .build();

    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());

    // An input-stream publisher has no known length, so the client sends the body chunked.
    assertThat(request.bodyPublisher().orElseThrow().contentLength()).isNegative();
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(countPets(owner.id(), name)).isZero();
  }

  @Test
  void createRejectsOtherMediaTypes() {
    String json = body("Rex");
    Map<String, Map<String, String>> variants = new LinkedHashMap<>();
    variants.put("text/plain", Map.of("Content-Type", "text/plain"));
    variants.put("form", Map.of("Content-Type", "application/x-www-form-urlencoded"));
    variants.put("json with latin1", Map.of("Content-Type", "application/json; charset=iso-8859-1"));
    variants.put("missing", Map.of());

    variants.forEach((label, headers) -> {
      Response response = client.send("POST", "/v1/pets", owner.token(), json, headers);

      assertThat(response.status()).as(label).isEqualTo(415);
      assertThat(response.json().getString("error")).as(label).isNotBlank();
    });
  }

  @Test
  void createAcceptsJsonWithUtf8Charset() {
    Response response = client.send("POST", "/v1/pets", owner.token(), body("Rex"),
        Map.of("Content-Type", "application/json; charset=UTF-8"));

    assertThat(response.status()).isEqualTo(201);
  }

  @Test
  void createRequiresWriteScope() {
    TestUser reader = Fixtures.user("read:pets");

    Response response = client.post("/v1/pets", reader.token(), body("Rex"));

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json()).isEqualTo(insufficientPermissions("write:pets", "read:pets"));
    assertThat(countPets(reader.id())).isZero();
  }

  @Test
  void createRequiresToken() {
    Response response = client.post("/v1/pets", null, body("Rex"));

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
  }

  // ---- list own ----

  @Test
  void listShowsOnlyOwnPets() {
    TestUser alice = Fixtures.user("read:pets", "write:pets");
    TestUser bob = Fixtures.user("read:pets", "write:pets");
    String aliceFirst = Fixtures.pet(alice, Map.of("name", "Alice One")).getString("id");
    String aliceSecond = Fixtures.pet(alice, Map.of("name", "Alice Two", "isPublic", true)).getString("id");
    Fixtures.pet(bob, Map.of("name", "Bob One"));

    Response response = client.get("/v1/pets", alice.token());

    assertThat(response.status()).isEqualTo(200);
    JsonObject page = response.json();
    assertThat(page.fieldNames()).containsExactlyInAnyOrder("items", "nextCursor");
    assertThat(page.getValue("nextCursor")).isNull();
    List<JsonObject> items = objects(page.getJsonArray("items"));
    assertThat(items).extracting(item -> item.getString("id")).containsExactlyInAnyOrder(aliceFirst, aliceSecond);
    for (JsonObject item : items) {
      assertThat(item.fieldNames()).containsExactlyInAnyOrderElementsOf(OWNER_VIEW);
      assertThat(item.getString("ownerId")).isEqualTo(alice.id().toString());
    }
  }

  @Test
  void listOfNewUserIsEmpty() {
    TestUser fresh = Fixtures.user("read:pets");

    Response response = client.get("/v1/pets", fresh.token());

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(new JsonObject().put("items", new JsonArray()).putNull("nextCursor"));
  }

  @Test
  void listRequiresToken() {
    Response response = client.get("/v1/pets", null);

    assertThat(response.status()).isEqualTo(401);
  }

  @Test
  void paginationVisitsEveryPetOnce() {
    TestUser walker = Fixtures.user("read:pets");
    Set<String> stored = insertPets(walker.id(), 25);

    List<String> seen = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    String cursor = null;
    do {
      String path = "/v1/pets?limit=10" + (cursor == null ? "" : "&cursor=" + cursor);
      Response response = client.get(path, walker.token());
      assertThat(response.status()).as(path).isEqualTo(200);
      JsonArray items = response.json().getJsonArray("items");
      pageSizes.add(items.size());
      objects(items).forEach(item -> seen.add(item.getString("id")));
      cursor = response.json().getString("nextCursor");
    } while (cursor != null && pageSizes.size() < 10);

    assertThat(pageSizes).containsExactly(10, 10, 5);
    assertThat(seen).doesNotHaveDuplicates();
    assertThat(seen).containsExactlyInAnyOrderElementsOf(stored);
  }

  @Test
  void paginationDefaultsToTwentyItems() {
    TestUser walker = Fixtures.user("read:pets");
    insertPets(walker.id(), 25);

    Response response = client.get("/v1/pets", walker.token());

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().getJsonArray("items")).hasSize(20);
    assertThat(response.json().getString("nextCursor")).isNotBlank();
  }

  @Test
  void paginationRejectsInvalidLimits() {
    for (String limit : List.of("0", "101", "-5", "abc", "1.5", "1e1")) {
      Response response = client.get("/v1/pets?limit=" + limit, owner.token());

      assertThat(response.status()).as("limit=" + limit).isEqualTo(422);
      assertThat(response.json().getString("error")).as("limit=" + limit).isEqualTo("Validation failed");
      assertThat(detailFields(response)).as("limit=" + limit).containsExactly("limit");
    }
  }

  @Test
  void paginationAcceptsLimitBounds() {
    for (String limit : List.of("1", "100")) {
      Response response = client.get("/v1/pets?limit=" + limit, owner.token());

      assertThat(response.status()).as("limit=" + limit).isEqualTo(200);
    }
  }

  @Test
  void paginationRejectsForeignCursors() {
    TestUser alice = Fixtures.user("read:pets");
    TestUser bob = Fixtures.user("read:pets");
    insertPets(alice.id(), 3);
    insertPets(bob.id(), 3);
    Fixtures.pet(owner, Map.of("isPublic", true));
    Fixtures.pet(owner, Map.of("isPublic", true));
    String aliceCursor = client.get("/v1/pets?limit=1", alice.token()).json().getString("nextCursor");
    String bobCursor = client.get("/v1/pets?limit=1", bob.token()).json().getString("nextCursor");
    String publicCursor = client.get("/v1/public/pets?limit=1", null).json().getString("nextCursor");
    assertThat(client.get("/v1/pets?limit=1&cursor=" + aliceCursor, alice.token()).status()).isEqualTo(200);

    Map<String, String> cursors = new LinkedHashMap<>();
    cursors.put("tampered", tamper(aliceCursor));
    cursors.put("random", "dGhpcyBpcyBub3QgYSBjdXJzb3IgYXQgYWxs");
    cursors.put("not base64", "%25%25%25");
    cursors.put("other user's list", bobCursor);
    cursors.put("public list", publicCursor);
    cursors.put("empty", "");

    cursors.forEach((label, cursor) -> {
      Response response = client.get("/v1/pets?limit=1&cursor=" + cursor, alice.token());

      assertThat(response.status()).as(label).isEqualTo(400);
      assertThat(response.json().getString("error")).as(label).isNotBlank();
    });
  }

  // ---- public list ----

  @Test
  void publicListNeedsNoToken() {
    Response response = client.get("/v1/public/pets", null);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().fieldNames()).containsExactlyInAnyOrder("items", "nextCursor");
  }

  @Test
  void publicListShowsOnlyPublicPets() {
    TestUser showman = Fixtures.user("read:pets", "write:pets");
    String shown = Fixtures.pet(showman, Map.of("name", "Shown", "isPublic", true, "breed", "Pug", "age", 4,
        "weight", 7.5)).getString("id");
    String hidden = Fixtures.pet(showman, Map.of("name", "Hidden")).getString("id");
    String hiddenExplicitly = Fixtures.pet(showman, Map.of("name", "Hidden Too", "isPublic", false))
        .getString("id");

    List<JsonObject> items = walkPublicList();

    List<String> ids = items.stream().map(item -> item.getString("id")).toList();
    assertThat(ids).contains(shown);
    assertThat(ids).doesNotContain(hidden, hiddenExplicitly);
    assertThat(ids).doesNotHaveDuplicates();
    for (JsonObject item : items) {
      assertThat(item.fieldNames()).as(item.encode()).containsExactlyInAnyOrderElementsOf(PUBLIC_VIEW);
    }
    assertThat(storedPublicFlags(ids)).containsOnly(true);
    JsonObject mine = items.stream().filter(item -> item.getString("id").equals(shown)).findFirst().orElseThrow();
    assertThat(mine).isEqualTo(new JsonObject().put("id", shown).put("name", "Shown").put("species", "DOG")
        .put("breed", "Pug").put("age", 4));
  }

  // ---- get one ----

  @Test
  void getReturnsOwnPet() {
    JsonObject created = Fixtures.pet(owner, Map.of("name", "Fetch Me"));

    Response response = client.get("/v1/pets/" + created.getString("id"), owner.token());

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(created);
  }

  @Test
  void getAcceptsUppercaseId() {
    JsonObject created = Fixtures.pet(owner, Map.of("name", "Upper"));

    Response response = client.get("/v1/pets/" + created.getString("id").toUpperCase(), owner.token());

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(created);
  }

  @Test
  void getOfOtherOwnerIsDenied() {
    String id = Fixtures.pet(owner, Map.of("name", "Private Rex")).getString("id");

    Response response = client.get("/v1/pets/" + id, stranger.token());

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json()).isEqualTo(NOT_OWNER);
  }

  @Test
  void getOfAbsentPetIsNotFound() {
    Response response = client.get("/v1/pets/" + UUID.randomUUID(), owner.token());

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json()).isEqualTo(PET_NOT_FOUND);
  }

  @Test
  void getWithMalformedIdIsNotFound() {
    String uuid = UUID.randomUUID().toString();
    for (String id : List.of("123", "not-a-uuid", uuid + "0", uuid + "abc", "x" + uuid, "%00",
        uuid.replace("-", ""), "%27%20OR%201%3D1--")) {
      Response response = client.get("/v1/pets/" + id, owner.token());

      assertThat(response.status()).as(id).isEqualTo(404);
      assertThat(response.json()).as(id).isEqualTo(PET_NOT_FOUND);
    }
  }

  @Test
  void getRequiresToken() {
    String id = Fixtures.pet(owner, Map.of()).getString("id");

    Response response = client.get("/v1/pets/" + id, null);

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.body()).doesNotContain(id);
  }

  // ---- update ----

  @Test
  void patchAppliesChanges() throws InterruptedException {
    JsonObject created = Fixtures.pet(owner, Map.of("name", "Before", "breed", "Mutt", "age", 2));
    String id = created.getString("id");
    // Timestamps have millisecond precision, so wait long enough for updatedAt to differ.
    Thread.sleep(20);

    Response response = client.patch("/v1/pets/" + id, owner.token(),
        "{\"name\":\" <b>After</b> \",\"age\":5,\"weight\":3.25,\"isPublic\":true}");

    assertThat(response.status()).isEqualTo(200);
    JsonObject pet = response.json();
    assertThat(pet.fieldNames()).containsExactlyInAnyOrderElementsOf(OWNER_VIEW);
    assertThat(pet.getString("id")).isEqualTo(id);
    assertThat(pet.getString("ownerId")).isEqualTo(owner.id().toString());
    assertThat(pet.getString("name")).isEqualTo("After");
    assertThat(pet.getString("species")).isEqualTo("DOG");
    assertThat(pet.getString("breed")).isEqualTo("Mutt");
    assertThat(pet.getInteger("age")).isEqualTo(5);
    assertThat(pet.getDouble("weight")).isEqualTo(3.25);
    assertThat(pet.getBoolean("isPublic")).isTrue();
    assertThat(pet.getString("createdAt")).isEqualTo(created.getString("createdAt"));
    assertThat(Instant.parse(pet.getString("updatedAt"))).isAfter(Instant.parse(created.getString("updatedAt")));
    assertThat(client.get("/v1/pets/" + id, owner.token()).json()).isEqualTo(pet);
  }

  @Test
  void patchRejectsInvalidFields() {
    String id = Fixtures.pet(owner, Map.of("name", "Stable")).getString("id");
    Map<String, String> bodies = new LinkedHashMap<>();
    bodies.put("{\"name\":\"\"}", "name");
    bodies.put("{\"name\":\"<script>alert(1)</script>\"}", "name");
    bodies.put("{\"name\":\"" + "n".repeat(101) + "\"}", "name");
    bodies.put("{\"name\":\"Re\\u0000x\"}", "name");
    bodies.put("{\"name\":null}", "name");
    bodies.put("{\"species\":\"dog\"}", "species");
    bodies.put("{\"breed\":\"" + "b".repeat(101) + "\"}", "breed");
    bodies.put("{\"age\":-1}", "age");
    bodies.put("{\"age\":31}", "age");
    bodies.put("{\"age\":2.5}", "age");
    bodies.put("{\"age\":\"3\"}", "age");
    bodies.put("{\"weight\":-0.1}", "weight");
    bodies.put("{\"weight\":500.1}", "weight");
    bodies.put("{\"isPublic\":\"true\"}", "isPublic");
    bodies.put("{\"ownerId\":\"" + stranger.id() + "\"}", "ownerId");
    bodies.put("{\"id\":\"" + UUID.randomUUID() + "\"}", "id");
    bodies.put("{\"createdAt\":\"2020-01-01T00:00:00.000Z\"}", "createdAt");

    bodies.forEach((json, field) -> assertValidationFailure(client.patch("/v1/pets/" + id, owner.token(), json),
        field));
    JsonObject stored = client.get("/v1/pets/" + id, owner.token()).json();
    assertThat(stored.getString("name")).isEqualTo("Stable");
    assertThat(stored.getString("ownerId")).isEqualTo(owner.id().toString());
  }

  @Test
  void patchRejectsEmptyObject() {
    String id = Fixtures.pet(owner, Map.of()).getString("id");

    Response response = client.patch("/v1/pets/" + id, owner.token(), "{}");

    assertThat(response.status()).isEqualTo(422);
    assertThat(response.json().getString("error")).isEqualTo("Validation failed");
    assertThat(response.json().getJsonArray("details")).isNotEmpty();
  }

  @Test
  void patchRejectsMalformedJson() {
    String id = Fixtures.pet(owner, Map.of()).getString("id");

    Response response = client.patch("/v1/pets/" + id, owner.token(), "{\"name\":\"Rex\",}");

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json()).isEqualTo(MALFORMED_JSON);
  }

  @Test
  void patchOfOtherOwnerIsDenied() {
    String id = Fixtures.pet(owner, Map.of("name", "Mine")).getString("id");

    Response response = client.patch("/v1/pets/" + id, stranger.token(), "{\"name\":\"Stolen\"}");

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json()).isEqualTo(NOT_OWNER);
    assertThat(client.get("/v1/pets/" + id, owner.token()).json().getString("name")).isEqualTo("Mine");
  }

  @Test
  void patchRequiresWriteScope() {
    TestUser reader = Fixtures.user("read:pets");
    String id = insertPets(reader.id(), 1).iterator().next();

    Response response = client.patch("/v1/pets/" + id, reader.token(), "{\"name\":\"Changed\"}");

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json()).isEqualTo(insufficientPermissions("write:pets", "read:pets"));
    assertThat(client.get("/v1/pets/" + id, reader.token()).json().getString("name")).isEqualTo("Pet 1");
  }

  @Test
  void patchOfAbsentPetIsNotFound() {
    Response response = client.patch("/v1/pets/" + UUID.randomUUID(), owner.token(), "{\"name\":\"Ghost\"}");

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json()).isEqualTo(PET_NOT_FOUND);
  }

  // ---- delete ----

  @Test
  void deleteRemovesOwnPet() {
    String id = Fixtures.pet(owner, Map.of("name", "Leaving")).getString("id");

    Response response = client.delete("/v1/pets/" + id, owner.token());

    assertThat(response.status()).isEqualTo(204);
    assertThat(response.body()).isEmpty();
    Response after = client.get("/v1/pets/" + id, owner.token());
    assertThat(after.status()).isEqualTo(404);
    assertThat(after.json()).isEqualTo(PET_NOT_FOUND);
    assertThat(client.delete("/v1/pets/" + id, owner.token()).status()).isEqualTo(404);
  }

  @Test
  void deleteRequiresDeleteScope() {
    TestUser writer = Fixtures.user("read:pets", "write:pets");
    String id = Fixtures.pet(writer, Map.of()).getString("id");

    Response response = client.delete("/v1/pets/" + id, writer.token());

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json().getString("error")).isEqualTo("Insufficient permissions");
    assertThat(response.json().getJsonArray("required")).containsExactly("delete:pets");
    assertThat(response.json().getJsonArray("granted")).containsExactlyInAnyOrder("read:pets", "write:pets");
    assertThat(client.get("/v1/pets/" + id, writer.token()).status()).isEqualTo(200);
  }

  @Test
  void deleteOfOtherOwnerIsDenied() {
    String id = Fixtures.pet(owner, Map.of("name", "Keep Me")).getString("id");

    Response response = client.delete("/v1/pets/" + id, stranger.token());

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json()).isEqualTo(NOT_OWNER);
    assertThat(client.get("/v1/pets/" + id, owner.token()).status()).isEqualTo(200);
  }

  // ---- isolation ----

  @Test
  void foreignPetIdsRevealNothing() {
    TestUser victim = Fixtures.user("read:pets", "write:pets");
    TestUser attacker = Fixtures.user("read:pets", "write:pets", "delete:pets");
    String secretName = "Secret " + UUID.randomUUID();
    List<JsonObject> victimPets = List.of(
        Fixtures.pet(victim, Map.of("name", secretName, "breed", "Hidden Breed")),
        Fixtures.pet(victim, Map.of("name", secretName, "isPublic", true)));

    for (JsonObject pet : victimPets) {
      String path = "/v1/pets/" + pet.getString("id");
      List<Response> responses = List.of(
          client.get(path, attacker.token()),
          client.patch(path, attacker.token(), "{\"name\":\"Taken\"}"),
          client.delete(path, attacker.token()));
      for (Response response : responses) {
        assertThat(response.status()).as(path).isEqualTo(403);
        assertThat(response.json()).as(path).isEqualTo(NOT_OWNER);
        assertThat(response.body()).as(path).doesNotContain(secretName);
        assertThat(response.body()).as(path).doesNotContain(victim.id().toString());
      }
      assertThat(client.get(path, victim.token()).json()).as(path).isEqualTo(pet);
    }
    Response attackerList = client.get("/v1/pets?limit=100", attacker.token());
    assertThat(attackerList.body()).doesNotContain(secretName);
  }

  // ---- helpers ----

  private JsonObject createOk(String json) {
    Response response = client.post("/v1/pets", owner.token(), json);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    return response.json();
  }

  private static String body(String name) {
    return new JsonObject().put("name", name).put("species", "DOG").encode();
  }

  /** Returns a valid create body padded with trailing white space to exactly {@code bytes} bytes. */
  private static String paddedBody(String name, int bytes) {
    String json = body(name);
    String padded = json + " ".repeat(bytes - json.getBytes(StandardCharsets.UTF_8).length);
    assertThat(padded.getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
    return padded;
  }

  /** Asserts the contract's 422 body with exactly one detail, about {@code field}. */
  private static void assertValidationFailure(Response response, String field) {
    assertThat(response.status()).as(field + ": " + response.body()).isEqualTo(422);
    JsonObject body = response.json();
    assertThat(body.fieldNames()).as(field).containsExactlyInAnyOrder("error", "details");
    assertThat(body.getString("error")).as(field).isEqualTo("Validation failed");
    assertThat(detailFields(response)).as(field + ": " + response.body()).containsExactly(field);
    JsonObject detail = body.getJsonArray("details").getJsonObject(0);
    assertThat(detail.fieldNames()).as(field).containsExactlyInAnyOrder("field", "message");
    assertThat(detail.getString("message")).as(field).isNotBlank();
  }

  private static List<String> detailFields(Response response) {
    return objects(response.json().getJsonArray("details")).stream().map(d -> d.getString("field")).toList();
  }

  private static JsonObject insufficientPermissions(String required, String granted) {
    return new JsonObject().put("error", "Insufficient permissions")
        .put("required", new JsonArray().add(required))
        .put("granted", new JsonArray().add(granted));
  }

  private static List<JsonObject> objects(JsonArray array) {
    List<JsonObject> items = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      items.add(array.getJsonObject(i));
    }
    return items;
  }

  private List<JsonObject> walkPublicList() {
    List<JsonObject> items = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Response response = client.get("/v1/public/pets?limit=100" + (cursor == null ? "" : "&cursor=" + cursor),
          null);
      assertThat(response.status()).isEqualTo(200);
      items.addAll(objects(response.json().getJsonArray("items")));
      cursor = response.json().getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 1000);
    return items;
  }

  /** Changes one character inside the cursor's position bytes, keeping it valid base64url. */
  private static String tamper(String cursor) {
    char[] chars = cursor.toCharArray();
    chars[4] = chars[4] == 'A' ? 'B' : 'A';
    return new String(chars);
  }

  /**
   * Inserts {@code count} pets for {@code ownerId} in one statement, so they share one created_at and
   * the pages must be ordered by id as well. Returns their ids.
   */
  private static Set<String> insertPets(UUID ownerId, int count) {
    Set<String> ids = new HashSet<>();
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement insert = db.prepareStatement("""
            INSERT INTO pets (owner_id, name, species)
            SELECT ?, 'Pet ' || n, 'CAT' FROM generate_series(1, ?) AS n
            RETURNING id""")) {
      insert.setObject(1, ownerId);
      insert.setInt(2, count);
      try (ResultSet rows = insert.executeQuery()) {
        while (rows.next()) {
          ids.add(rows.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot insert pets for " + ownerId, e);
    }
    return ids;
  }

  private static int countPets(UUID ownerId) {
    return queryCount("SELECT count(*) FROM pets WHERE owner_id = ?", ownerId);
  }

  private static int countPets(UUID ownerId, String name) {
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement query = db.prepareStatement("SELECT count(*) FROM pets WHERE owner_id = ? AND name = ?")) {
      query.setObject(1, ownerId);
      query.setString(2, name);
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int queryCount(String sql, UUID ownerId) {
    try (Connection db = TestEnvironment.get().database(); PreparedStatement query = db.prepareStatement(sql)) {
      query.setObject(1, ownerId);
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Boolean> storedPublicFlags(List<String> ids) {
    List<Boolean> flags = new ArrayList<>();
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement query = db.prepareStatement("SELECT is_public FROM pets WHERE id = ANY (?::uuid[])")) {
      query.setArray(1, db.createArrayOf("text", ids.toArray()));
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          flags.add(rows.getBoolean(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    assertThat(flags).hasSameSizeAs(ids);
    return flags;
  }
}
