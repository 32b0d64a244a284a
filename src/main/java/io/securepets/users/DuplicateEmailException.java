package io.securepets.users;

/** Raised when a new user's email already belongs to another account. */
public final class DuplicateEmailException extends RuntimeException {

  public DuplicateEmailException(String email) {
    super("a user with email " + email + " already exists", null, false, false);
  }
}
