package dev.sparkcnn.jobs.report;

/** Escaping of text for HTML and SVG (element content and double- or single-quoted attributes). */
public final class Html {

    private Html() {
    }

    /** The text with {@code & < > " '} replaced by entities; null becomes the empty string. */
    public static String escape(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&': b.append("&amp;"); break;
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&#39;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }
}
