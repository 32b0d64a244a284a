package io.securepets.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UuidsTest {

  @RepeatedTest(20)
  void parsesWhatUuidPrints() {
    UUID id = UUID.randomUUID();

    assertThat(Uuids.parse(id.toString())).isEqualTo(id);
    assertThat(Uuids.parse(id.toString().toUpperCase())).isEqualTo(id);
  }

  @Test
  void parsesExtremes() {
    assertThat(Uuids.parse("00000000-0000-0000-0000-000000000000")).isEqualTo(new UUID(0, 0));
    assertThat(Uuids.parse("ffffffff-ffff-ffff-ffff-ffffffffffff")).isEqualTo(new UUID(-1, -1));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "not-a-uuid",
      "0f8fad5b-d9cb-469f-a165-70867728950",
      "0f8fad5b-d9cb-469f-a165-70867728950e1",
      "0f8fad5bd-9cb-469f-a165-70867728950e",
      "0f8fad5b-d9cb-469f-a165+70867728950e",
      "0f8fad5b-d9cb-469f-a165-70867728950g",
      "{f8fad5b-d9cb-469f-a165-70867728950e",
      "0f8fad5b-d9cb-469f-a165-70867728950\u0000",
      "\uff10f8fad5b-d9cb-469f-a165-70867728950",
      "0f8fad5b-d9cb-469f-a165-7086772895\u0660e",
      "1-1-1-1-1",
      "0f8fad5b d9cb 469f a165 70867728950e",
  })
  void rejectsEverythingElse(String text) {
    assertThat(Uuids.parse(text)).isNull();
  }

  @Test
  void rejectsNull() {
    assertThat(Uuids.parse(null)).isNull();
  }
}
