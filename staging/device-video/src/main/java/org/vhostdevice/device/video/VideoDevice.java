// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.vhostdevice.device.video.VideoProtocol.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.InvalidRingException;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * The virtio-video decoder (v3 proposal): queue 0 carries commands, queue 1 events. Commands are
 * answered in the batch that pops them, except RESOURCE_QUEUE, whose reply waits for the backend
 * to report the buffer done: the device keeps the head and the response address and completes
 * it in a later batch, woken by {@link VirtQueue#wake()} from the backend's thread. Both queues
 * share one worker, so the stream state needs no locks; only the hand-over from the backend
 * thread (completions, events) is concurrent.
 */
public final class VideoDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(VideoDevice.class);
  static final int COMMAND_QUEUE = 0;
  static final int EVENT_QUEUE = 1;
  static final int QUEUE_SIZE = 1024;
  /** Events waiting for a guest buffer beyond this are dropped (oldest first) with a warning. */
  static final int MAX_PENDING_EVENTS = 256;
  /** Requests and responses never exceed this (the config's max_resp_length). */
  static final int MAX_MESSAGE = 4096;
  /** Bound on the memory entries of one RESOURCE_CREATE. */
  static final int MAX_ENTRIES = 1024;
  private static final int ASYNC = -1;
  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private record Key(int stream, int queueType, int resource) {}

  /** A RESOURCE_QUEUE request waiting for its buffer: where its reply goes. */
  private record Pending(int head, long respAddr) {}

  private record Completion(Key key, long timestamp, int flags, int size) {}

  private final VideoBackend backend;
  private final Map<Integer, Stream> streams = new HashMap<>();
  private final Map<Key, Pending> pending = new HashMap<>();
  private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
  private final ArrayDeque<long[]> events = new ArrayDeque<>();
  private volatile VirtQueue commandVq;
  private volatile VirtQueue eventVq;
  private boolean started;
  private boolean closed;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment req =
      arena.allocate(RESOURCE_CREATE_SIZE + (long) MAX_ENTRIES * MEM_ENTRY_SIZE, 8);
  private final MemorySegment resp = arena.allocate(MAX_MESSAGE, 8);
  private final int[] dataSizes = new int[MAX_PLANES];
  private long droppedEvents;

  private final VideoBackend.Sink sink = new VideoBackend.Sink() {
    @Override
    public void resourceDone(int streamId, int queueType, int resourceId, long timestamp,
        int flags, int size) {
      completions.add(new Completion(new Key(streamId, queueType, resourceId), timestamp, flags,
          size));
      VirtQueue vq = commandVq;
      if (vq != null) {
        vq.wake();
      }
    }

    @Override
    public void event(int eventType, int streamId) {
      synchronized (events) {
        if (events.size() >= MAX_PENDING_EVENTS) {
          events.poll();
          droppedEvents++;
          LOG.warn("event queue full: dropped an event ({} so far)", droppedEvents);
        }
        events.add(new long[] {eventType, streamId});
      }
      VirtQueue vq = eventVq;
      if (vq != null) {
        vq.wake();
      }
    }
  };

  public VideoDevice(VideoBackend backend) {
    this.backend = backend;
  }

  @Override
  public String name() {
    return "video";
  }

  @Override
  public int deviceType() {
    return DEVICE_ID_DECODER;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY | VirtioFeatures.RING_INDIRECT_DESC
        | VirtioFeatures.RING_EVENT_IDX | (1L << F_RESOURCE_GUEST_PAGES);
  }

  @Override
  public int numQueues() {
    return 2;
  }

  @Override
  public int maxQueueSize(int queue) {
    return QUEUE_SIZE;
  }

  @Override
  public int workerOf(int queue) {
    return 0;
  }

  @Override
  public int configSize() {
    return CONFIG_SIZE;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    byte[] config = new byte[CONFIG_SIZE];
    MemorySegment s = MemorySegment.ofArray(config);
    s.set(U32, CONFIG_VERSION, 0);
    s.set(U32, CONFIG_MAX_CAPS_LENGTH, MAX_CAPS_LENGTH);
    s.set(U32, CONFIG_MAX_RESP_LENGTH, MAX_RESP_LENGTH);
    for (int i = 0; i < dst.length; i++) {
      int at = offset + i;
      dst[i] = at >= 0 && at < CONFIG_SIZE ? config[at] : 0;
    }
  }

  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    if (queue == COMMAND_QUEUE) {
      commandVq = vq;
    } else {
      eventVq = vq;
    }
    vq.wake();
  }

  @Override
  public void queueStopped(int queue) {
    // The ring is gone: what we hold for it can no longer be returned.
    if (queue == COMMAND_QUEUE) {
      commandVq = null;
      pending.clear();
      completions.clear();
    } else {
      eventVq = null;
    }
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    startBackend();
    if (queue == EVENT_QUEUE) {
      eventVq = vq;
      deliverEvents(vq);
      return;
    }
    commandVq = vq;
    while (true) {
      deliverCompletions(vq);
      DescriptorChain chain = vq.pop();
      if (chain == null) {
        break;
      }
      serve(vq, chain);
    }
  }

  private void startBackend() throws java.io.IOException {
    if (!started) {
      started = true;
      backend.start(sink);
    }
  }

  /** One event per guest buffer; events wait (bounded) until the guest posts buffers. */
  private void deliverEvents(VirtQueue vq) throws InvalidRingException {
    synchronized (events) {
      while (!events.isEmpty()) {
        DescriptorChain chain = vq.pop();
        if (chain == null) {
          return;
        }
        Writer out = chain.writer();
        if (out.remaining() < EVENT_SIZE) {
          LOG.debug("event buffer {} shorter than {} bytes: returned unused", chain.head(),
              EVENT_SIZE);
          vq.addUsed(chain, 0);
          continue;
        }
        long[] e = events.poll();
        try {
          out.writeU32((int) e[0]);
          out.writeU32((int) e[1]);
        } catch (ChainTooShortException ex) {
          throw new AssertionError("room was checked", ex);
        }
        vq.addUsed(chain, EVENT_SIZE);
      }
    }
  }

  private void deliverCompletions(VirtQueue vq) throws InvalidRingException {
    Completion c;
    while ((c = completions.poll()) != null) {
      Pending p = pending.remove(c.key());
      if (p == null) {
        LOG.debug("completion for {} that nothing waits for: ignored", c.key());
        continue;
      }
      Resource r = findResource(c.key());
      if (r != null) {
        r.busy = false;
      }
      complete(vq, p, c.timestamp(), c.flags(), c.size());
    }
  }

  private Resource findResource(Key k) {
    Stream s = streams.get(k.stream());
    return s == null ? null : s.find(k.queueType(), k.resource());
  }

  private void complete(VirtQueue vq, Pending p, long timestamp, int flags, int size)
      throws InvalidRingException {
    header(RESP_OK_RESOURCE_QUEUE);
    resp.set(U64, RQ_RESP_TIMESTAMP, timestamp);
    resp.set(U32, RQ_RESP_FLAGS, flags);
    resp.set(U32, RQ_RESP_SIZE, size);
    try {
      vq.memory().write(p.respAddr(), resp.asSlice(0, RESOURCE_QUEUE_RESP_SIZE));
      vq.addUsed(p.head(), RESOURCE_QUEUE_RESP_SIZE);
    } catch (GuestMemoryException e) {
      LOG.warn("RESOURCE_QUEUE reply for head {} lost: {}", p.head(), e.getMessage());
      vq.addUsed(p.head(), 0);
    }
  }

  /** Replies with ERR to every waiting RESOURCE_QUEUE of a stream (queueType 0: all queues). */
  private void failPending(VirtQueue vq, int stream, int queueType) throws InvalidRingException {
    Iterator<Map.Entry<Key, Pending>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Key, Pending> e = it.next();
      Key k = e.getKey();
      if (k.stream() == stream && (queueType == 0 || k.queueType() == queueType)) {
        it.remove();
        Resource r = findResource(k);
        if (r != null) {
          r.busy = false;
        }
        complete(vq, e.getValue(), 0, BUFFER_FLAG_ERR, 0);
      }
    }
  }

  private void serve(VirtQueue vq, DescriptorChain chain) throws InvalidRingException {
    Writer out = chain.writer();
    if (out.remaining() < HDR_SIZE) {
      LOG.debug("command {}: no room for a response: returned unused", chain.head());
      vq.addUsed(chain, 0);
      return;
    }
    int len;
    try {
      len = command(vq, chain);
    } catch (VideoException e) {
      LOG.debug("command {}: {}", chain.head(), e.getMessage());
      len = header(e.response());
    } catch (RuntimeException e) {
      // A backend bug fails this request, not the queue.
      LOG.error("command {}: backend failed", chain.head(), e);
      len = header(RESP_ERR_INVALID_OPERATION);
    }
    if (len == ASYNC) {
      return;
    }
    if (out.remaining() < len) {
      LOG.debug("command {}: response of {} bytes does not fit", chain.head(), len);
      len = header(RESP_ERR_INVALID_OPERATION);
    }
    try {
      out.writeFully(resp.asSlice(0, len));
    } catch (ChainTooShortException e) {
      throw new AssertionError("room was checked", e);
    }
    vq.addUsed(chain, len);
  }

  private int header(int type) {
    resp.set(U32, HDR_TYPE, type);
    // The Rust daemon leaves the response's stream_id 0; the driver does not read it.
    resp.set(U32, HDR_STREAM_ID, 0);
    return HDR_SIZE;
  }

  private static VideoException invalid(String why) {
    return new VideoException(RESP_ERR_INVALID_OPERATION, why);
  }

  private static void expectSize(long got, int want, String what) throws VideoException {
    if (got != want) {
      throw invalid(what + ": request of " + got + " bytes, expected " + want);
    }
  }

  private int u32(int offset) {
    return req.get(U32, offset);
  }

  private int queueType() throws VideoException {
    int t = u32(REQ_QUEUE_TYPE);
    if (!validQueueType(t)) {
      throw invalid("invalid queue type 0x" + Integer.toHexString(t));
    }
    return t;
  }

  private Stream stream(int id) throws VideoException {
    Stream s = streams.get(id);
    if (s == null) {
      throw new VideoException(RESP_ERR_INVALID_STREAM_ID, "no stream " + id);
    }
    return s;
  }

  /** Serves one command; returns the response length in {@link #resp}, or ASYNC. */
  private int command(VirtQueue vq, DescriptorChain chain)
      throws VideoException, InvalidRingException {
    long size = chain.readableBytes();
    if (size < HDR_SIZE || size > req.byteSize()) {
      throw invalid("request of " + size + " bytes");
    }
    try {
      chain.reader().readFully(req.asSlice(0, size));
    } catch (ChainTooShortException e) {
      throw invalid("request shorter than its descriptors say");
    }
    int type = u32(HDR_TYPE);
    int streamId = u32(HDR_STREAM_ID);
    switch (type) {
      case CMD_QUERY_CAPABILITY -> {
        expectSize(size, QUERY_CAPABILITY_SIZE, "QUERY_CAPABILITY");
        return capabilities(backend.queryCapability(queueType()));
      }
      case CMD_STREAM_CREATE -> {
        expectSize(size, STREAM_CREATE_SIZE, "STREAM_CREATE");
        int in = u32(SC_IN_MEM_TYPE);
        int outType = u32(SC_OUT_MEM_TYPE);
        int format = u32(SC_CODED_FORMAT);
        if (!validMemType(in) || !validMemType(outType) || !validFormat(format)) {
          throw invalid("STREAM_CREATE: invalid memory type or format");
        }
        if (streams.containsKey(streamId)) {
          throw new VideoException(RESP_ERR_INVALID_STREAM_ID, "stream " + streamId + " exists");
        }
        Stream s = new Stream(streamId, in, outType, format);
        backend.createStream(s);
        streams.put(streamId, s);
        return header(RESP_OK_NODATA);
      }
      case CMD_STREAM_DESTROY -> {
        expectSize(size, STREAM_SIZE, "STREAM_DESTROY");
        Stream s = stream(streamId);
        failPending(vq, streamId, 0);
        streams.remove(streamId);
        s.state = Stream.State.DESTROYED;
        backend.destroyStream(s);
        return header(RESP_OK_NODATA);
      }
      case CMD_STREAM_DRAIN -> {
        expectSize(size, STREAM_SIZE, "STREAM_DRAIN");
        backend.drain(stream(streamId));
        return header(RESP_OK_NODATA);
      }
      case CMD_RESOURCE_CREATE -> {
        return resourceCreate(chain.memory(), size, streamId);
      }
      case CMD_RESOURCE_QUEUE -> {
        return resourceQueue(vq, chain, size, streamId);
      }
      case CMD_RESOURCE_DESTROY_ALL -> {
        expectSize(size, QUEUE_TYPE_CMD_SIZE, "RESOURCE_DESTROY_ALL");
        Stream s = stream(streamId);
        int qt = queueType();
        backend.destroyResources(s, qt);
        failPending(vq, streamId, qt);
        s.resources(qt).clear();
        return header(RESP_OK_NODATA);
      }
      case CMD_QUEUE_CLEAR -> {
        expectSize(size, QUEUE_TYPE_CMD_SIZE, "QUEUE_CLEAR");
        Stream s = stream(streamId);
        int qt = queueType();
        backend.clearQueue(s, qt);
        failPending(vq, streamId, qt);
        return header(RESP_OK_NODATA);
      }
      case CMD_QUERY_CONTROL -> {
        expectSize(size, QUERY_CONTROL_SIZE, "QUERY_CONTROL");
        int control = u32(QC_CONTROL);
        if (control < CONTROL_MIN || control > CONTROL_MAX) {
          throw invalid("unknown control " + control);
        }
        int value = backend.queryControl(control, u32(QC_FORMAT));
        header(RESP_OK_QUERY_CONTROL);
        resp.set(U32, QCR_VALUE, value);
        resp.set(U32, QCR_VALUE + 4, 0);
        resp.set(U32, QCR_VALUE + 8, 0);
        return QUERY_CONTROL_RESP_SIZE;
      }
      case CMD_GET_CONTROL -> {
        expectSize(size, GET_CONTROL_SIZE, "GET_CONTROL");
        throw new VideoException(RESP_ERR_UNSUPPORTED_CONTROL, "GET_CONTROL is not supported");
      }
      case CMD_GET_PARAMS_EXT -> {
        expectSize(size, GET_PARAMS_SIZE, "GET_PARAMS_EXT");
        Stream s = stream(streamId);
        Params p = backend.getParams(s, queueType());
        header(RESP_OK_GET_PARAMS);
        p.encode(resp, HDR_SIZE);
        return HDR_SIZE + Params.SIZE;
      }
      case CMD_SET_PARAMS_EXT -> {
        expectSize(size, SET_PARAMS_SIZE, "SET_PARAMS_EXT");
        Stream s = stream(streamId);
        Params p = Params.decode(req, HDR_SIZE);
        if (!validQueueType(p.queueType)) {
          throw invalid("SET_PARAMS_EXT: invalid queue type");
        }
        if (p.numPlanes < 0 || p.numPlanes > MAX_PLANES) {
          throw new VideoException(RESP_ERR_INVALID_PARAMETER, "num_planes " + p.numPlanes);
        }
        backend.setParams(s, p);
        return header(RESP_OK_NODATA);
      }
      default -> throw invalid("unknown command 0x" + Integer.toHexString(type));
    }
  }

  private int resourceCreate(GuestMemory memory, long size, int streamId)
      throws VideoException {
    if (size < RESOURCE_CREATE_SIZE) {
      throw invalid("RESOURCE_CREATE: request of " + size + " bytes");
    }
    Stream s = stream(streamId);
    int qt = queueType();
    int id = u32(RC_RESOURCE_ID);
    int numPlanes = u32(RC_NUM_PLANES);
    if (numPlanes < 1 || numPlanes > MAX_PLANES) {
      // The Rust daemon panics here for num_planes > 8.
      throw new VideoException(RESP_ERR_INVALID_PARAMETER, "num_planes " + numPlanes);
    }
    long total = 0;
    int[] offsets = new int[numPlanes];
    for (int i = 0; i < numPlanes; i++) {
      offsets[i] = u32(RC_PLANE_OFFSETS + 4 * i);
      total += u32(RC_NUM_ENTRIES + 4 * i) & 0xFFFF_FFFFL;
    }
    if (total < 1 || total > MAX_ENTRIES) {
      throw new VideoException(RESP_ERR_INVALID_PARAMETER, total + " memory entries");
    }
    expectSize(size, RESOURCE_CREATE_SIZE + (int) total * MEM_ENTRY_SIZE, "RESOURCE_CREATE");
    if (s.find(qt, id) != null) {
      throw new VideoException(RESP_ERR_INVALID_RESOURCE_ID, "resource " + id + " exists");
    }
    long[] addr = new long[(int) total];
    int[] len = new int[(int) total];
    for (int i = 0; i < total; i++) {
      int at = RESOURCE_CREATE_SIZE + i * MEM_ENTRY_SIZE;
      addr[i] = req.get(U64, at);
      len[i] = req.get(U32, at + 8);
      if (s.memType(qt) == MEM_TYPE_GUEST_PAGES) {
        try {
          memory.checkRange(addr[i], len[i] & 0xFFFF_FFFFL);
        } catch (GuestMemoryException e) {
          throw new VideoException(RESP_ERR_INVALID_PARAMETER, "entry " + i + ": "
              + e.getMessage());
        }
      }
    }
    Resource r = new Resource(qt, id, u32(RC_PLANES_LAYOUT), numPlanes, offsets, addr, len);
    backend.createResource(s, r);
    s.resources(qt).put(id, r);
    return header(RESP_OK_NODATA);
  }

  private int resourceQueue(VirtQueue vq, DescriptorChain chain, long size, int streamId)
      throws VideoException {
    expectSize(size, RESOURCE_QUEUE_SIZE, "RESOURCE_QUEUE");
    Stream s = stream(streamId);
    int qt = queueType();
    int id = u32(RQ_RESOURCE_ID);
    Resource r = s.find(qt, id);
    if (r == null) {
      throw new VideoException(RESP_ERR_INVALID_RESOURCE_ID, "no resource " + id);
    }
    int n = u32(RQ_NUM_DATA_SIZES);
    if (n < 0 || n > MAX_PLANES) {
      throw new VideoException(RESP_ERR_INVALID_PARAMETER, "num_data_sizes " + n);
    }
    if (r.busy) {
      throw new VideoException(RESP_ERR_INVALID_PARAMETER, "resource " + id + " already queued");
    }
    // The asynchronous reply is written later without the chain: it must fit the first
    // writable descriptor.
    long respAddr = -1;
    for (int i = 0; i < chain.descriptorCount(); i++) {
      if (chain.descriptorWritable(i)) {
        if (chain.descriptorLen(i) >= RESOURCE_QUEUE_RESP_SIZE) {
          respAddr = chain.descriptorAddr(i);
        }
        break;
      }
    }
    if (respAddr < 0) {
      throw new VideoException(RESP_ERR_INVALID_PARAMETER, "response descriptor too short");
    }
    for (int i = 0; i < n; i++) {
      dataSizes[i] = u32(RQ_DATA_SIZES + 4 * i);
    }
    backend.queueResource(s, r, chain.memory(), req.get(U64, RQ_TIMESTAMP), dataSizes, n);
    r.queuedOnce = true;
    r.busy = true;
    pending.put(new Key(streamId, qt, id), new Pending(chain.head(), respAddr));
    return ASYNC;
  }

  private int capabilities(List<FormatDesc> descs) throws VideoException {
    int total = CAPS_HEADER_SIZE;
    for (FormatDesc d : descs) {
      total += d.wireSize();
    }
    if (total > MAX_CAPS_LENGTH) {
      throw new VideoException(RESP_ERR_OUT_OF_MEMORY, "capabilities take " + total + " bytes");
    }
    header(RESP_OK_QUERY_CAPABILITY);
    resp.set(U32, CAPS_NUM_DESCS, descs.size());
    resp.set(U32, CAPS_NUM_DESCS + 4, 0);
    int at = CAPS_HEADER_SIZE;
    for (FormatDesc d : descs) {
      resp.set(U64, at, d.mask());
      resp.set(U32, at + 8, d.format());
      resp.set(U32, at + 12, d.planesLayout());
      resp.set(U32, at + 16, d.planeAlign());
      resp.set(U32, at + 20, d.frames().size());
      at += FORMAT_DESC_SIZE;
      for (FormatDesc.Frame f : d.frames()) {
        at = range(at, f.width());
        at = range(at, f.height());
        resp.set(U32, at, f.rates().size());
        resp.set(U32, at + 4, 0);
        at += 8;
        for (FormatDesc.Range r : f.rates()) {
          at = range(at, r);
        }
      }
    }
    return at;
  }

  private int range(int at, FormatDesc.Range r) {
    resp.set(U32, at, r.min());
    resp.set(U32, at + 4, r.max());
    resp.set(U32, at + 8, r.step());
    resp.set(U32, at + 12, 0);
    return at + FORMAT_RANGE_SIZE;
  }

  @Override
  public void reset() {
    for (Stream s : streams.values()) {
      s.state = Stream.State.DESTROYED;
      backend.destroyStream(s);
    }
    streams.clear();
    pending.clear();
    completions.clear();
    synchronized (events) {
      events.clear();
    }
  }

  /** Called once when the frontend connection ended. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    reset();
    backend.close();
    arena.close();
  }

  int streamCount() {
    return streams.size();
  }

  int pendingCount() {
    return pending.size();
  }
}
