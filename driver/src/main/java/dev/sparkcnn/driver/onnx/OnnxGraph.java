package dev.sparkcnn.driver.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A thin builder over the generated {@link GraphProto}: float and int64 initializers (weights,
 * shapes), nodes with one output each, and the graph's inputs and outputs. Every value and node gets
 * a unique name; a node's output is named after the node, so a graph reads like the layer list.
 */
final class OnnxGraph {

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    OnnxGraph(String name, String doc) {
        graph.setName(name).setDocString(doc);
    }

    /** A float32 initializer of shape {@code dims} holding {@code data[off, off + product(dims))}, row-major. */
    String floats(String name, float[] data, int off, long... dims) {
        int n = Math.toIntExact(product(dims));
        if (off < 0 || off + n > data.length) {
            throw new IllegalArgumentException(name + ": needs " + n + " values from offset " + off + " of " + data.length);
        }
        ByteBuffer bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);   // raw_data is little-endian
        bytes.asFloatBuffer().put(data, off, n);
        return initializer(name, TensorProto.DataType.FLOAT, bytes.array(), dims);
    }

    /** An int64 vector initializer, e.g. the target shape of a Reshape. */
    String int64s(String name, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return initializer(name, TensorProto.DataType.INT64, bytes.array(), values.length);
    }

    private String initializer(String name, TensorProto.DataType type, byte[] raw, long... dims) {
        String unique = unique(name);
        TensorProto.Builder t = TensorProto.newBuilder().setName(unique).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) t.addDims(d);
        graph.addInitializer(t);
        return unique;
    }

    /** Adds a node {@code opType(inputs)} and returns the name of its single output. */
    String node(String opType, String name, List<String> inputs, AttributeProto... attributes) {
        return node(opType, name, null, inputs, attributes);
    }

    /** The same with the output named {@code output} (a graph output must have its declared name). */
    String node(String opType, String name, String output, List<String> inputs, AttributeProto... attributes) {
        String unique = unique(name);
        String out = output == null ? unique : unique(output);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(unique).addAllInput(inputs).addOutput(out);
        for (AttributeProto a : attributes) n.addAttribute(a);
        graph.addNode(n);
        return out;
    }

    /** A float32 graph input; a dimension of -1 is the dynamic batch, named {@code batch}. */
    void input(String name, String batch, long... dims) {
        graph.addInput(valueInfo(unique(name), batch, dims));
    }

    /** A float32 graph output (the value {@code name} must be produced by a node). */
    void output(String name, String batch, long... dims) {
        graph.addOutput(valueInfo(name, batch, dims));
    }

    GraphProto build() {
        return graph.build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) a.addInts(v);
        return a.build();
    }

    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    private static ValueInfoProto valueInfo(String name, String batch, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam(batch)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    private String unique(String name) {
        String n = name;
        for (int i = 2; !names.add(n); i++) n = name + "_" + i;
        return n;
    }

    private static long product(long... dims) {
        long p = 1;
        for (long d : dims) p = Math.multiplyExact(p, d);
        return p;
    }
}
