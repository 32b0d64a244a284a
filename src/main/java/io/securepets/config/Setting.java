package io.securepets.config;

/**
 * One configuration setting: its environment variable, its path in the nested config file and its
 * built-in default (null when the setting has none).
 */
record Setting(String env, String path, Object defaultValue) {
}
