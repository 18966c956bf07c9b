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
 * Reading checks the magic, version, kind, that the file is complete, and the checksum, and
 * names the file and the problem when any of them is wrong.
 */
public final class ModelFile {

    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = "SPARKCNN".getBytes(StandardCharsets.US_ASCII);
    private static final byte TEXT = 1, FLOATS = 2, LONGS = 3;

    private final String kind;
    private final Map<String, Object> sections = new LinkedHashMap<>();

    public ModelFile(String kind) {
        this.kind = kind;
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
        if (v == null) throw new CheckpointException("the " + kind + " file has no section '" + name + "'");
        if (!type.isInstance(v)) throw new CheckpointException("section '" + name + "' of the " + kind + " file is not " + type.getSimpleName());
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

    /** Parses and validates a file's bytes; {@code source} names the file in errors. */
    public static ModelFile fromBytes(byte[] data, String source, String expectedKind) {
        if (data.length < MAGIC.length + 4 + 8 || !java.util.Arrays.equals(java.util.Arrays.copyOf(data, MAGIC.length), MAGIC)) {
            throw new CheckpointException(source + " is not a spark-cnn " + expectedKind + " file (no SPARKCNN header"
                    + (data.length < 20 ? ", only " + data.length + " bytes" : "") + ")");
        }
        CRC32 crc = new CRC32();
        crc.update(data, 0, data.length - 8);
        long stored = java.nio.ByteBuffer.wrap(data, data.length - 8, 8).getLong();
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 0, data.length - 8));
            in.skipNBytes(MAGIC.length);
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw new CheckpointException(source + " has format version " + version + "; this build reads version " + FORMAT_VERSION);
            }
            String kind = in.readUTF();
            if (expectedKind != null && !kind.equals(expectedKind)) {
                throw new CheckpointException(source + " is a " + kind + " file, expected a " + expectedKind);
            }
            ModelFile f = new ModelFile(kind);
            int count = in.readInt();
            for (int s = 0; s < count; s++) {
                String name = in.readUTF();
                byte type = in.readByte();
                int len = in.readInt();
                if (len < 0 || len > data.length) throw new EOFException();
                switch (type) {
                    case TEXT: {
                        byte[] b = in.readNBytes(len);
                        if (b.length != len) throw new EOFException();
                        f.sections.put(name, new String(b, StandardCharsets.UTF_8));
                        break;
                    }
                    case FLOATS: {
                        byte[] b = in.readNBytes(len * 4);
                        if (b.length != len * 4) throw new EOFException();
                        float[] v = new float[len];
                        java.nio.ByteBuffer.wrap(b).asFloatBuffer().get(v);
                        f.sections.put(name, v);
                        break;
                    }
                    case LONGS: {
                        long[] v = new long[len];
                        for (int i = 0; i < len; i++) v[i] = in.readLong();
                        f.sections.put(name, v);
                        break;
                    }
                    default:
                        throw new CheckpointException(source + ": section '" + name + "' has unknown type " + type + " (corrupt file)");
                }
            }
            if (in.available() != 0 || stored != crc.getValue()) {
                throw new CheckpointException(source + " is corrupt: checksum mismatch (stored " + Long.toHexString(stored)
                        + ", computed " + Long.toHexString(crc.getValue()) + ")");
            }
            return f;
        } catch (EOFException e) {
            throw new CheckpointException(source + " is truncated (" + data.length + " bytes): it ends inside a section");
        } catch (IOException e) {
            throw new CheckpointException(source + " cannot be parsed: " + e.getMessage());
        }
    }
}
