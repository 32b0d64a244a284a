package io.securepets.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.securepets.http.ApiException;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Fuzzes the request-body steps of the chain (those of {@code JsonBody.validatedBy}): raw bytes are
 * parsed by {@link StrictJson} and checked by {@link BodySchema}. Each input must either be rejected
 * with an {@link ApiException} or yield a body that keeps the documented rules. Any other exception
 * would become a 500, and Jazzer reports it as a finding.
 *
 * <p>Without JAZZER_FUZZ this replays the files under {@code BodyFuzzTestInputs/} (shared by the three
 * targets) and {@code BodyFuzzTestInputs/<method>/}. The README's Tests section shows how to fuzz.
 */
class BodyFuzzTest {

  private static final BodySchema PET_CREATE = BodySchema.load("pet-create", Set.of("name", "breed"));
  private static final BodySchema PET_UPDATE = BodySchema.load("pet-update", Set.of("name", "breed"));
  private static final BodySchema LOGIN = BodySchema.load("login", Set.of());

  private static final Set<String> PET_FIELDS = Set.of("name", "species", "breed", "age", "weight", "isPublic");
  private static final Set<String> SPECIES = Set.of("DOG", "CAT", "BIRD", "RABBIT");

  @DictionaryFile(resourcePath = "/io/securepets/validation/body.dict")
  @FuzzTest(maxDuration = "10s")
  void petCreate(byte[] input) {
    JsonObject accepted = validate(PET_CREATE, input);
    if (accepted == null) {
      return;
    }
    assertThat(accepted.fieldNames()).as("fields").isSubsetOf(PET_FIELDS);
    assertThat(accepted.containsKey("name")).as("name present").isTrue();
    assertThat(accepted.containsKey("species")).as("species present").isTrue();
    assertThat(accepted.getValue("isPublic")).as("isPublic, false by default").isInstanceOf(Boolean.class);
    assertPetFields(accepted);
  }

  @DictionaryFile(resourcePath = "/io/securepets/validation/body.dict")
  @FuzzTest(maxDuration = "10s")
  void petUpdate(byte[] input) {
    JsonObject accepted = validate(PET_UPDATE, input);
    if (accepted == null) {
      return;
    }
    assertThat(accepted.fieldNames()).as("fields").isSubsetOf(PET_FIELDS);
    assertThat(accepted.fieldNames()).as("fields").isNotEmpty();
    assertPetFields(accepted);
  }

  @DictionaryFile(resourcePath = "/io/securepets/validation/body.dict")
  @FuzzTest(maxDuration = "10s")
  void login(byte[] input) {
    JsonObject accepted = validate(LOGIN, input);
    if (accepted == null) {
      return;
    }
    assertThat(accepted.fieldNames()).as("fields").containsExactlyInAnyOrder("email", "password");
    assertThat(accepted.getValue("email")).as("email").isInstanceOf(String.class);
    assertThat(accepted.getValue("password")).as("password").isInstanceOf(String.class);
    assertThat(codePoints(accepted.getString("email"))).as("email length").isBetween(1, 254);
    assertThat(codePoints(accepted.getString("password"))).as("password length").isBetween(1, 1024);
  }

  /**
   * Runs the body steps on {@code input}: returns the accepted body, or null when the input was
   * rejected as the service rejects it (not JSON, not an object, or a 422 from the schema).
   */
  private static JsonObject validate(BodySchema schema, byte[] input) {
    Map<String, Object> parsed = StrictJson.parseObject(input);
    boolean wellFormed = StrictJson.isWellFormed(input);
    if (parsed == null) {
      return null;
    }
    assertThat(wellFormed).as("an object that parsed is well-formed").isTrue();
    assertThat(isStrictUtf8WithoutBom(input)).as("a parsed body is UTF-8 without a byte order mark").isTrue();
    try {
      return schema.validate(parsed);
    } catch (ApiException rejection) {
      assertThat(rejection.status()).as("status of a schema rejection").isEqualTo(422);
      assertThat(rejection.body().getJsonArray("details")).as("details of a 422").isNotEmpty();
      return null;
    }
  }

  private static void assertPetFields(JsonObject pet) {
    if (pet.containsKey("name")) {
      assertPlainText(pet.getValue("name"), "name", 1);
    }
    if (pet.containsKey("breed")) {
      assertPlainText(pet.getValue("breed"), "breed", 0);
    }
    if (pet.containsKey("species")) {
      assertThat(pet.getValue("species")).as("species").isIn(SPECIES.toArray());
    }
    if (pet.containsKey("age")) {
      assertThat(pet.getValue("age")).as("age").isInstanceOf(Number.class);
      double age = ((Number) pet.getValue("age")).doubleValue();
      assertThat(age >= 0 && age <= 30).as("age %s from 0 to 30", age).isTrue();
      assertThat(age % 1).as("fraction of age").isZero();
      assertThat(pet.getInteger("age")).as("age as stored").isEqualTo((int) age);
    }
    if (pet.containsKey("weight")) {
      assertThat(pet.getValue("weight")).as("weight").isInstanceOf(Number.class);
      double weight = ((Number) pet.getValue("weight")).doubleValue();
      // Compared as primitives, so that -0.0, which JSON Schema counts as 0, is in range.
      assertThat(weight >= 0 && weight <= 500).as("weight %s from 0 to 500", weight).isTrue();
    }
    if (pet.containsKey("isPublic")) {
      assertThat(pet.getValue("isPublic")).as("isPublic").isInstanceOf(Boolean.class);
    }
  }

  /** Asserts the README's rules for name and breed on an accepted value. */
  private static void assertPlainText(Object value, String field, int minLength) {
    assertThat(value).as(field).isInstanceOf(String.class);
    String text = (String) value;
    assertThat(codePoints(text)).as(field + " length").isBetween(minLength, 100);
    assertThat(text).as(field + " trimmed").isEqualTo(text.strip());
    assertThat(PlainText.hasControlOrBrokenCharacters(text)).as(field + " has control characters: " + escape(text))
        .isFalse();
    assertThat(text).as(field + " has markup").doesNotContainPattern(PlainTextFuzzTest.MARKUP);
    assertThat(PlainText.of(text)).as(field + " sanitized again").isEqualTo(text);
  }

  private static boolean isStrictUtf8WithoutBom(byte[] bytes) {
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
      return !text.startsWith("\uFEFF");
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static int codePoints(String text) {
    return text.codePointCount(0, text.length());
  }

  /** Returns {@code text} with every character outside printable ASCII written as a Java escape. */
  static String escape(String text) {
    StringBuilder escaped = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c >= 0x20 && c < 0x7f) {
        escaped.append(c);
      } else {
        escaped.append(String.format("\\u%04x", (int) c));
      }
    }
    return escaped.toString();
  }
}
