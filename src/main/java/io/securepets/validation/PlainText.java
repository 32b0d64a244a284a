package io.securepets.validation;

import java.util.List;
import java.util.regex.Pattern;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.HtmlSanitizer;
import org.owasp.html.HtmlStreamEventReceiver;

/**
 * Turns untrusted text that may contain markup into plain text with owasp-java-html-sanitizer: every
 * element is dropped (with the content of script, style and similar elements), entities are decoded,
 * and the text between tags is kept, so {@code Tom & Jerry} stays as it is and {@code <b>Rex</b>}
 * becomes {@code Rex}. Decoding can reveal new markup ({@code &lt;b&gt;}), so the pass repeats until
 * the text no longer changes, at most {@value #MAX_PASSES} times. Text that still changes after that
 * (such as markup entity-encoded four or more times) is rejected rather than returned with markup.
 * So is stable text in which a browser would still start markup: the sanitizer keeps an unfinished
 * {@code <!} or {@code <!-} at the end of the text and {@code </} before a space as text.
 */
public final class PlainText {

  private static final int MAX_PASSES = 5;
  /** '<' followed by the start of a tag, an end tag, a comment or a processing instruction. */
  private static final Pattern MARKUP = Pattern.compile("<[A-Za-z!/?]");

  private PlainText() {
  }

  /**
   * Returns {@code input} without markup, trimmed of leading and trailing white space, or null when
   * the text was still changing after {@value #MAX_PASSES} passes or still contains the start of
   * markup: a '<' followed by a letter, '!', '/' or '?'.
   */
  public static String of(String input) {
    String current = input;
    for (int pass = 0; pass < MAX_PASSES; pass++) {
      String next = stripMarkup(current);
      if (next.equals(current)) {
        return MARKUP.matcher(current).find() ? null : current.strip();
      }
      current = next;
    }
    return null;
  }

  private static String stripMarkup(String input) {
    StringBuilder text = new StringBuilder(input.length());
    HtmlSanitizer.sanitize(input, new HtmlPolicyBuilder().build(new TextCollector(text)));
    return text.toString();
  }

  /** Receives the sanitizer's output and keeps only the decoded text. */
  private static final class TextCollector implements HtmlStreamEventReceiver {
    private final StringBuilder text;

    TextCollector(StringBuilder text) {
      this.text = text;
    }

    @Override
    public void openDocument() {
    }

    @Override
    public void closeDocument() {
    }

    @Override
    public void openTag(String elementName, List<String> attributes) {
    }

    @Override
    public void closeTag(String elementName) {
    }

    @Override
    public void text(String chunk) {
      text.append(chunk);
    }
  }

  /** Returns true when {@code text} has a control character or an unpaired UTF-16 surrogate. */
  public static boolean hasControlOrBrokenCharacters(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        return true;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return true;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
