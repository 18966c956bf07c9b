package dev.sparkcnn.driver.train;

/** A configuration key or value that cannot be used; the message names the source, the key and the reason. */
public class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
