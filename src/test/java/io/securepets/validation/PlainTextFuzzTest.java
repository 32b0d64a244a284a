package io.securepets.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Fuzzes {@link PlainText#of} with UTF-8 text: a result that is not rejected (null) must be stable
 * under another pass and must not open a tag, an end tag, a comment or a processing instruction.
 */
class PlainTextFuzzTest {

  /** '<' followed by the start of a tag, an end tag, a comment or a processing instruction. */
  static final Pattern MARKUP = Pattern.compile("<[A-Za-z!/?]");

  @DictionaryFile(resourcePath = "/io/securepets/validation/body.dict")
  @FuzzTest(maxDuration = "10s")
  void plainText(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);

    String plain = PlainText.of(text);

    if (plain == null) {
      return;
    }
    assertThat(PlainText.of(plain)).as("second pass over %s", BodyFuzzTest.escape(plain)).isEqualTo(plain);
    assertThat(plain).as("markup left in %s", BodyFuzzTest.escape(plain)).doesNotContainPattern(MARKUP);
  }
}
