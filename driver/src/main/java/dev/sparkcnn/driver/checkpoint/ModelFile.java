package dev.sparkcnn.driver.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Our file format for models and checkpoints (never Java serialization): a versioned container of
 * named sections, each text, a float array or a long array, with a CRC-32 over everything.
 *
 * <pre>
 *   "SPARKCNN"            8 bytes magic
 *   int   version         FORMAT_VERSION
 *   UTF   kind            "checkpoint" or "model"
 *   int   sections
 *   per section: UTF name, byte type (1 text, 2 floats, 3 longs), int length, data (big-endian)
 *   long  CRC-32 of all preceding bytes
 * </pre>
 * Reading checks the magic, the version and the checksum first, then the kind and every section's
 * length against the bytes left, and names the file and the problem when any of them is wrong.
 */
public final class ModelFile {

    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = "SPARKCNN".getBytes(StandardCharsets.US_ASCII);
    private static final byte TEXT = 1, FLOATS = 2, LONGS = 3;

    private final String kind;
    private final Map<String, Object> sections = new LinkedHashMap<>();
    private String source;   // the file it was read from, for errors

    public ModelFile(String kind) {
        this.kind = kind;
        this.source = "the " + kind + " file";
    }

    public String kind() {
        return kind;
    }

    public ModelFile text(String name, String value) {
        sections.put(name, value);
        return this;
    }

    public ModelFile floats(String name, float[] value) {
        sections.put(name, value);
        return this;
    }

    public ModelFile longs(String name, long... value) {
        sections.put(name, value);
        return this;
    }

    public boolean has(String name) {
        return sections.containsKey(name);
    }

    public String text(String name) {
        return (String) require(name, String.class);
    }

    public float[] floats(String name) {
        return (float[]) require(name, float[].class);
    }

    public long[] longs(String name) {
        return (long[]) require(name, long[].class);
    }

    private Object require(String name, Class<?> type) {
        Object v = sections.get(name);
        if (v == null) throw new CheckpointException(source + " has no section '" + name + "' (not a complete " + kind + " file)");
        if (!type.isInstance(v)) throw new CheckpointException("section '" + name + "' of " + source + " is not " + type.getSimpleName());
        return v;
    }

    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeUTF(kind);
            out.writeInt(sections.size());
            for (Map.Entry<String, Object> e : sections.entrySet()) {
                out.writeUTF(e.getKey());
                Object v = e.getValue();
                if (v instanceof String) {
                    byte[] b = ((String) v).getBytes(StandardCharsets.UTF_8);
                    out.writeByte(TEXT);
                    out.writeInt(b.length);
                    out.write(b);
                } else if (v instanceof float[]) {
                    float[] f = (float[]) v;
                    out.writeByte(FLOATS);
                    out.writeInt(f.length);
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(f.length * 4);
                    buf.asFloatBuffer().put(f);
                    out.write(buf.array());
                } else {
                    long[] l = (long[]) v;
                    out.writeByte(LONGS);
                    out.writeInt(l.length);
                    for (long x : l) out.writeLong(x);
                }
            }
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeLong(crc.getValue());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses and validates a file's bytes; {@code source} names the file in errors. The checksum is
     * verified before anything is parsed, so no length read from a damaged file is ever trusted, and
     * every section's length is then checked against the bytes that are left before anything is
     * allocated for it.
     */
    public static ModelFile fromBytes(byte[] data, String source, String expectedKind) {
        int header = MAGIC.length + 4;
        if (data.length < header + 8 || !java.util.Arrays.equals(java.util.Arrays.copyOf(data, MAGIC.length), MAGIC)) {
            throw new CheckpointException(source + " is not a spark-cnn " + expectedKind + " file (no SPARKCNN header"
                    + (data.length < 20 ? ", only " + data.length + " bytes" : "") + ")");
        }
        int version = java.nio.ByteBuffer.wrap(data, MAGIC.length, 4).getInt();
        if (version != FORMAT_VERSION) {
            throw new CheckpointException(source + " has format version " + version + "; this build reads version " + FORMAT_VERSION);
        }
        CRC32 crc = new CRC32();
        crc.update(data, 0, data.length - 8);
        long stored = java.nio.ByteBuffer.wrap(data, data.length - 8, 8).getLong();
        if (stored != crc.getValue()) {
            throw new CheckpointException(source + " is corrupt or truncated (" + data.length + " bytes): checksum mismatch (stored "
                    + Long.toHexString(stored) + ", computed " + Long.toHexString(crc.getValue()) + ")");
        }
        int end = data.length - 8;
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 0, end));
            in.skipNBytes(header);
            String kind = in.readUTF();
            if (expectedKind != null && !kind.equals(expectedKind)) {
                throw new CheckpointException(source + " is a " + kind + " file, expected a " + expectedKind);
            }
            ModelFile f = new ModelFile(kind);
            f.source = source;
            int count = in.readInt();
            // a section takes at least 2 (name) + 1 (type) + 4 (length) bytes
            if (count < 0 || (long) count * 7 > in.available()) {
                throw new CheckpointException(source + " declares " + count + " sections in " + in.available() + " bytes (corrupt file)");
            }
            for (int s = 0; s < count; s++) {
                String name = in.readUTF();
                byte type = in.readByte();
                int len = in.readInt();
                long width = type == TEXT ? 1 : type == FLOATS ? 4 : type == LONGS ? 8 : 0;
                if (width == 0) {
                    throw new CheckpointException(source + ": section '" + name + "' has unknown type " + type + " (corrupt file)");
                }
                if (len < 0 || len * width > in.available()) {
                    throw new CheckpointException(source + ": section '" + name + "' declares " + len + " values of " + width
                            + " bytes but only " + in.available() + " bytes are left (corrupt file)");
                }
                if (f.sections.containsKey(name)) throw new CheckpointException(source + ": section '" + name + "' appears twice (corrupt file)");
                byte[] b = in.readNBytes((int) (len * width));
                switch (type) {
                    case TEXT:
                        f.sections.put(name, new String(b, StandardCharsets.UTF_8));
                        break;
                    case FLOATS: {
                        float[] v = new float[len];
                        java.nio.ByteBuffer.wrap(b).asFloatBuffer().get(v);
                        f.sections.put(name, v);
                        break;
                    }
                    default: {
                        long[] v = new long[len];
                        java.nio.ByteBuffer.wrap(b).asLongBuffer().get(v);
                        f.sections.put(name, v);
                        break;
                    }
                }
            }
            if (in.available() != 0) {
                throw new CheckpointException(source + " has " + in.available() + " bytes after its last section (corrupt file)");
            }
            return f;
        } catch (EOFException e) {
            throw new CheckpointException(source + " ends inside a section (corrupt file)");
        } catch (IOException e) {
            throw new CheckpointException(source + " cannot be parsed: " + e.getMessage());
        }
    }
}
