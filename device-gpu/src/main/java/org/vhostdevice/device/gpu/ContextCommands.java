// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.vhostdevice.device.gpu.VirtioGpu.*;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.vhostdevice.queue.Reader;

/**
 * The capset and context commands of the virglrenderer mode (GET_CAPSET_INFO, GET_CAPSET,
 * CTX_CREATE/DESTROY/ATTACH/DETACH, TRANSFER_TO/FROM_HOST_3D, SUBMIT_3D). Each returns the
 * response type; a reply body is written into the device's response buffer after the header.
 * Runs on the device's worker thread.
 */
final class ContextCommands {
  private final VirglRenderer virgl;
  /** Capsets in the order GET_CAPSET_INFO indexes them (none outside the virglrenderer mode). */
  private final Capset[] capsets;
  private final Map<Integer, Resource> resources;
  private final byte[] response;
  private final ByteBuffer resp;
  /** Contexts the guest created (virglrenderer does not refuse a duplicate id itself). */
  private final Set<Integer> contexts = new HashSet<>();
  /** Reused for SUBMIT_3D command streams; grows to the largest seen. */
  private byte[] commands = new byte[0];

  ContextCommands(VirglRenderer virgl, Capset[] capsets, Map<Integer, Resource> resources,
      byte[] response, ByteBuffer resp) {
    this.virgl = virgl;
    this.capsets = capsets;
    this.resources = resources;
    this.response = response;
    this.resp = resp;
  }

  /** Forgets every context (the renderer destroys them on reset). */
  void reset() {
    contexts.clear();
  }

  int getCapsetInfo(Reader in) throws Exception {
    int index = in.readU32();
    in.readU32();
    if (Integer.compareUnsigned(index, capsets.length) >= 0) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    int[] info = virgl.capsetInfo(capsets[index].id);
    resp.putInt(HDR_SIZE, capsets[index].id).putInt(HDR_SIZE + 4, info[0])
        .putInt(HDR_SIZE + 8, info[1]).putInt(HDR_SIZE + 12, 0);
    return RESP_OK_CAPSET_INFO;
  }

  /** GET_CAPSET; {@code size[0]} is set to the reply's size. */
  int getCapset(Reader in, int[] size) throws Exception {
    int id = in.readU32();
    int version = in.readU32();
    Capset c = null;
    for (Capset k : capsets) {
      if (k.id == id) {
        c = k;
      }
    }
    if (c == null) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    int[] info = virgl.capsetInfo(id);
    if (Integer.compareUnsigned(version, info[0]) > 0
        || info[1] > response.length - HDR_SIZE) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    byte[] blob = virgl.capset(id, version, info[1]);
    System.arraycopy(blob, 0, response, HDR_SIZE, blob.length);
    size[0] = HDR_SIZE + blob.length;
    return RESP_OK_CAPSET;
  }

  int ctxCreate(Reader in, int ctxId) throws Exception {
    int nlen = in.readU32();
    int contextInit = in.readU32();
    byte[] name = new byte[(int) Math.min(Integer.toUnsignedLong(nlen), 64)];
    in.readFully(MemorySegment.ofArray(name));
    if (ctxId == 0 || contexts.contains(ctxId)) {
      return RESP_ERR_INVALID_CONTEXT_ID;
    }
    // Only the capset id (the low byte) of context_init is meaningful; it must be enabled.
    int capset = contextInit & 0xFF;
    if (capset != 0 && java.util.Arrays.stream(capsets).noneMatch(k -> k.id == capset)) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    if (virgl.contextCreate(ctxId, contextInit, name) != 0) {
      return RESP_ERR_UNSPEC;
    }
    contexts.add(ctxId);
    return RESP_OK_NODATA;
  }

  int ctxDestroy(int ctxId) throws Exception {
    if (!contexts.remove(ctxId)) {
      return RESP_ERR_INVALID_CONTEXT_ID;
    }
    virgl.contextDestroy(ctxId);
    return RESP_OK_NODATA;
  }

  int ctxResource(Reader in, int ctxId, boolean attach) throws Exception {
    int id = in.readU32();
    in.readU32();
    if (!contexts.contains(ctxId)) {
      return RESP_ERR_INVALID_CONTEXT_ID;
    }
    Resource r = resources.get(id);
    if (r == null) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    virgl.contextAttach(ctxId, id, attach);
    return RESP_OK_NODATA;
  }

  int transfer3d(Reader in, int ctxId, boolean toHost) throws Exception {
    int[] box = new int[6];
    for (int i = 0; i < 6; i++) {
      box[i] = in.readU32();
    }
    long offset = in.readU64();
    int id = in.readU32();
    int level = in.readU32();
    int stride = in.readU32();
    int layerStride = in.readU32();
    Resource r = resources.get(id);
    if (r == null) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (!r.hasBacking()) {
      return RESP_ERR_UNSPEC;
    }
    int rc = toHost
        ? virgl.transferWrite(id, ctxId, level, stride, layerStride, box, offset)
        : virgl.transferRead(id, ctxId, level, stride, layerStride, box, offset);
    return rc == 0 ? RESP_OK_NODATA : RESP_ERR_INVALID_PARAMETER;
  }

  /** Largest command stream one SUBMIT_3D may carry (Linux's limit is far below). */
  static final int MAX_SUBMIT = 16 << 20;
  static final int MAX_IN_FENCES = 1024;

  int submit3d(Reader in, int ctxId) throws Exception {
    long size = Integer.toUnsignedLong(in.readU32());
    long inFences = Integer.toUnsignedLong(in.readU32());
    if (size > MAX_SUBMIT || size % 4 != 0 || inFences > MAX_IN_FENCES) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    in.skip(inFences * 8);
    if (commands.length < size) {
      commands = new byte[(int) size];
    }
    in.readFully(MemorySegment.ofArray(commands).asSlice(0, size));
    if (!contexts.contains(ctxId)) {
      return RESP_ERR_INVALID_CONTEXT_ID;
    }
    return virgl.submit(ctxId, commands, (int) size) == 0 ? RESP_OK_NODATA : RESP_ERR_UNSPEC;
  }
}
