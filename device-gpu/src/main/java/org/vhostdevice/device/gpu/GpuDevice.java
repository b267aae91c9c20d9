// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.vhostdevice.device.gpu.VirtioGpu.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * virtio-gpu (virtio spec 1.2 §5.7). In the 2d mode resources live in Java memory: transfers copy
 * only the requested rectangle from the guest's backing pages and flushes send only the damaged
 * rectangle of each scanout to the display peer. In the virglrenderer mode resources live in
 * virglrenderer ({@link VirglRenderer}) and scanouts are read back from it; the null mode checks
 * and answers commands without storing pixels.
 *
 * <p>Both queues share one worker thread, which owns every resource and scanout. Fenced control
 * requests of the virglrenderer mode wait (parked, response already written) until the renderer
 * thread reports their fence and wakes the queue; everything else completes with its response.
 * The display may be replaced or dropped from the control thread at any time; see {@link
 * #gpuSocket}.
 */
public final class GpuDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(GpuDevice.class);
  private static final Cleaner CLEANER = Cleaner.create();

  /** Host memory all resources of one guest may use; beyond it creation fails OUT_OF_MEMORY. */
  static final long MAX_RESOURCE_BYTES = 256L << 20;
  static final int MAX_RESOURCES = 16 * 1024;
  static final int MAX_DIMENSION = 16 * 1024;
  /** QEMU's smallest scanout; smaller rectangles are refused as it refuses them. */
  static final int MIN_SCANOUT = 16;

  private final GpuConfig config;
  private final AtomicReference<Display> display = new AtomicReference<>(Display.DETACHED);
  /** Closes a display socket the core never told us to let go of (no session-end hook). */
  private final DisplayHolder holder = new DisplayHolder();

  // Worker-thread state.
  private final Map<Integer, Resource> resources = new HashMap<>();
  private long resourceBytes;
  private final Scanout[] scanouts = new Scanout[MAX_SCANOUTS];
  /** Big enough for the largest reply: a capset blob (virgl2's is 1376 bytes) or the EDID. */
  private final byte[] response = new byte[8192];
  private final ByteBuffer resp = ByteBuffer.wrap(response).order(ByteOrder.LITTLE_ENDIAN);
  // Slices made once: the hot path does not allocate.
  private final MemorySegment headerOnly = MemorySegment.ofArray(response).asSlice(0, HDR_SIZE);
  private final MemorySegment displayInfoReply =
      MemorySegment.ofArray(response).asSlice(0, DISPLAY_INFO_SIZE);
  private final MemorySegment edidReply =
      MemorySegment.ofArray(response).asSlice(0, EDID_RESPONSE_SIZE);
  private final MemorySegment capsetInfoReply =
      MemorySegment.ofArray(response).asSlice(0, CAPSET_INFO_SIZE);
  private final byte[] cursorImage = new byte[CURSOR_SIZE * CURSOR_SIZE * BYTES_PER_PIXEL];
  /** Reused for the pixels of one display update; grows to the largest flush seen. */
  private byte[] frame = new byte[0];

  /** What one scanout shows: a resource and the rectangle of it, and the size the peer has. */
  private static final class Scanout {
    int resourceId;
    Rect rect;
    int shownWidth;
    int shownHeight;
    boolean needsFullUpdate;
  }

  /** Owns the current display socket for the Cleaner, which must not reach the device itself. */
  private static final class DisplayHolder implements Runnable {
    volatile VhostUserGpuDisplay current;

    @Override
    public void run() {
      VhostUserGpuDisplay d = current;
      if (d != null) {
        d.close();
      }
    }
  }

  /** The 3D renderer (virglrenderer mode), else null. */
  private final VirglRenderer virgl;
  /** Capset and context commands; their capset list is empty outside virglrenderer mode. */
  private final ContextCommands ctx;

  /** Pins of virglrenderer backings ({@link Resource#pinned}); released exactly once each. */
  private final java.util.Set<GuestMemory> pins =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static void releaseAll(java.util.Set<GuestMemory> set) {
    for (GuestMemory m : set) {
      if (set.remove(m)) {
        m.release();
      }
    }
  }

  private void unpin(Resource r) {
    GuestMemory m = r.pinned;
    r.pinned = null;
    if (m != null && pins.remove(m)) {
      m.release();
    }
  }

  /** Backings pinned for virglrenderer (for tests). */
  int pinnedBackings() {
    return pins.size();
  }

  /** Fenced control requests waiting for the renderer (virglrenderer mode). */
  private final FencedRequests fences = new FencedRequests();
  private volatile VirtQueue controlQueue;

  /** A device of the 2d or null mode. */
  public GpuDevice(GpuConfig config) {
    this(config, null);
  }

  /**
   * A device drawing with {@code virgl} (required in the virglrenderer mode). The renderer is
   * shared by the process: this device takes it over and destroys what an earlier guest left.
   */
  GpuDevice(GpuConfig config, VirglRenderer virgl) {
    if ((config.mode() == GpuMode.VIRGLRENDERER) != (virgl != null)) {
      throw new IllegalArgumentException("the virglrenderer mode needs a renderer, others none");
    }
    this.config = config;
    this.virgl = virgl;
    this.ctx = new ContextCommands(virgl,
        config.capsets().stream().sorted().toArray(Capset[]::new), resources, response, resp);
    if (virgl != null) {
      try {
        // Only the pin set travels to the renderer thread, never the device's own state.
        java.util.Set<GuestMemory> myPins = pins;
        virgl.adopt(this, this::fenceCompleted, () -> releaseAll(myPins));
      } catch (Exception e) {
        throw new IllegalStateException("virglrenderer is unusable: " + e.getMessage(), e);
      }
    }
    for (int i = 0; i < MAX_SCANOUTS; i++) {
      scanouts[i] = new Scanout();
    }
    CLEANER.register(this, holder);
  }

  @Override
  public String name() {
    return "gpu";
  }

  @Override
  public int deviceType() {
    return DEVICE_ID;
  }

  @Override
  public long features() {
    long f = COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY | F_RING_RESET | F_EDID;
    return virgl == null ? f : f | F_VIRGL | F_CONTEXT_INIT;
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
    ByteBuffer c = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    c.putInt(CONFIG_EVENTS_READ, 0);
    c.putInt(CONFIG_EVENTS_CLEAR, 0);
    c.putInt(CONFIG_NUM_SCANOUTS, MAX_SCANOUTS);
    c.putInt(CONFIG_NUM_CAPSETS, config.capsets().size());
    System.arraycopy(c.array(), offset, dst, 0, dst.length);
  }

  /**
   * Only events_clear is writable and no event is ever raised, so a write changes nothing; it is
   * accepted because QEMU writes the whole config space back when the driver clears events.
   */
  @Override
  public void writeConfig(int offset, byte[] data) {
    LOG.debug("config write at {} ({} bytes) ignored: no display events pending", offset,
        data.length);
  }

  /**
   * The display socket. A new one replaces (and closes) the previous one: QEMU hands over a fresh
   * socket every time the driver starts the device. In the null mode it is closed at once.
   */
  @Override
  public void gpuSocket(OwnedFd socket) {
    if (config.mode() == GpuMode.NULL) {
      socket.close();
      return;
    }
    VhostUserGpuDisplay d =
        new VhostUserGpuDisplay(new DisplaySocket(socket), config.displayTimeoutNanos());
    holder.current = d;
    replaceDisplay(d);
  }

  private void replaceDisplay(Display next) {
    Display old = display.getAndSet(next);
    if (old instanceof VhostUserGpuDisplay v && old != next) {
      v.close();
    }
  }

  /**
   * QEMU closes its end of the display socket when it stops the device and sends a new one when
   * it starts it again, so the control queue stopping ends our use of the socket too.
   */
  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    if (queue == CONTROL_QUEUE) {
      controlQueue = vq;
    }
  }

  @Override
  public void queueStopped(int queue) {
    if (queue == CONTROL_QUEUE) {
      controlQueue = null;
      // The ring is gone with the queue: parked requests cannot be completed any more.
      fences.clear();
      replaceDisplay(Display.DETACHED);
      holder.current = null;
    }
  }

  @Override
  public void reset() {
    if (virgl != null) {
      try {
        virgl.reset(this);
      } catch (Exception e) {
        LOG.warn("virglrenderer reset failed: {}", e.getMessage());
      }
    }
    ctx.reset();
    fences.clear();
    releaseAll(pins);
    for (Resource r : resources.values()) {
      r.pinned = null;
    }
    resources.clear();
    resourceBytes = 0;
    for (int i = 0; i < MAX_SCANOUTS; i++) {
      scanouts[i] = new Scanout();
    }
  }

  /** Puts a display in place of the socket one (tests of the command logic). */
  void useDisplayForTest(Display d) {
    display.set(d);
  }

  /** The display in use (for tests). */
  Display display() {
    return display.get();
  }

  int resourceCount() {
    return resources.size();
  }

  long resourceBytes() {
    return resourceBytes;
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    if (queue == CONTROL_QUEUE) {
      fences.completeDone(vq);
    }
    DescriptorChain chain;
    while ((chain = vq.pop()) != null) {
      fenceToWait = 0;
      int len = serve(chain, vq.memory());
      if (queue == CONTROL_QUEUE && fenceToWait != 0 && !fences.isDone(fenceToWait)) {
        // The response is written; the guest gets it when the renderer reaches the fence.
        fences.park(chain.head(), len, fenceToWait);
      } else {
        vq.addUsed(chain, len);
      }
    }
  }

  /** Set by {@link #serve} when the request just served waits for renderer fence (non-zero). */
  private int fenceToWait;

  /** From the renderer thread: fence {@code fence} is done; the worker completes its requests. */
  private void fenceCompleted(int fence) {
    fences.completed(fence);
    VirtQueue q = controlQueue;
    if (q != null) {
      q.wake();
    }
  }

  /** Requests waiting for a fence (for tests). */
  int parkedRequests() {
    return fences.count();
  }

  /** Executes one request and returns the number of response bytes written. */
  private int serve(DescriptorChain chain, GuestMemory memory) {
    Reader in = chain.reader();
    int type;
    int flags;
    long fenceId;
    int ctxId;
    int ringIdx;
    try {
      type = in.readU32();
      flags = in.readU32();
      fenceId = in.readU64();
      ctxId = in.readU32();
      ringIdx = in.readU8();
      in.skip(3);
    } catch (ChainTooShortException e) {
      LOG.debug("request shorter than the {}-byte header", HDR_SIZE);
      return respond(chain.writer(), RESP_ERR_UNSPEC, 0, 0, 0, 0, HDR_SIZE);
    }
    int size = HDR_SIZE;
    int status;
    try {
      status = switch (type) {
        case CMD_GET_DISPLAY_INFO -> {
          size = DISPLAY_INFO_SIZE;
          yield getDisplayInfo();
        }
        case CMD_GET_EDID -> {
          size = EDID_RESPONSE_SIZE;
          yield getEdid(in);
        }
        case CMD_RESOURCE_CREATE_2D -> resourceCreate2d(in);
        case CMD_RESOURCE_UNREF -> resourceUnref(in);
        case CMD_SET_SCANOUT -> setScanout(in);
        case CMD_RESOURCE_FLUSH -> resourceFlush(in);
        case CMD_TRANSFER_TO_HOST_2D -> transferToHost2d(in, memory);
        case CMD_RESOURCE_ATTACH_BACKING -> attachBacking(in, memory);
        case CMD_RESOURCE_DETACH_BACKING -> detachBacking(in);
        case CMD_GET_CAPSET_INFO -> {
          size = CAPSET_INFO_SIZE;
          yield ctx.getCapsetInfo(in);
        }
        case CMD_GET_CAPSET -> {
          int[] s = {HDR_SIZE};
          int st = ctx.getCapset(in, s);
          size = s[0];
          yield st;
        }
        case CMD_CTX_CREATE -> virgl == null ? RESP_ERR_UNSPEC : ctx.ctxCreate(in, ctxId);
        case CMD_CTX_DESTROY -> virgl == null ? RESP_ERR_UNSPEC : ctx.ctxDestroy(ctxId);
        case CMD_CTX_ATTACH_RESOURCE, CMD_CTX_DETACH_RESOURCE ->
            virgl == null ? RESP_ERR_UNSPEC
                : ctx.ctxResource(in, ctxId, type == CMD_CTX_ATTACH_RESOURCE);
        case CMD_RESOURCE_CREATE_3D -> virgl == null ? RESP_ERR_UNSPEC : resourceCreate3d(in);
        case CMD_TRANSFER_TO_HOST_3D, CMD_TRANSFER_FROM_HOST_3D ->
            virgl == null ? RESP_ERR_UNSPEC
                : ctx.transfer3d(in, ctxId, type == CMD_TRANSFER_TO_HOST_3D);
        case CMD_SUBMIT_3D -> virgl == null ? RESP_ERR_UNSPEC : ctx.submit3d(in, ctxId);
        case CMD_UPDATE_CURSOR -> updateCursor(in);
        case CMD_MOVE_CURSOR -> moveCursor(in);
        default -> {
          // 3D, blob and UUID commands: their features are not offered, so a driver that sends
          // them is answered with the spec's generic error (the Rust daemon panics on some).
          LOG.debug("command {} is not supported in mode {}", Integer.toHexString(type),
              config.mode());
          yield RESP_ERR_UNSPEC;
        }
      };
    } catch (ChainTooShortException e) {
      LOG.debug("command {} is shorter than its structure", Integer.toHexString(type));
      status = RESP_ERR_UNSPEC;
    } catch (Exception e) {
      LOG.warn("command {} failed in the renderer: {}", Integer.toHexString(type), e.toString());
      status = RESP_ERR_UNSPEC;
    }
    if (status != RESP_OK_DISPLAY_INFO && status != RESP_OK_EDID && status != RESP_OK_CAPSET_INFO
        && status != RESP_OK_CAPSET) {
      size = HDR_SIZE;
    }
    if ((flags & FLAG_FENCE) == 0) {
      return respond(chain.writer(), status, 0, 0, 0, 0, size);
    }
    if (virgl != null) {
      // The fence completes when the renderer has done everything submitted before it; the
      // response is held back until then (fences on the guest's context rings ride the
      // renderer's global timeline, which completes them no earlier than their ring would).
      int fence = (int) fenceId;
      try {
        if (fence != 0 && virgl.createFence(fence, ctxId) == 0) {
          fenceToWait = fence;
        } else if (fence != 0) {
          status = RESP_ERR_UNSPEC;
          size = HDR_SIZE;
        }
      } catch (Exception e) {
        LOG.warn("fence {} could not be created: {}", fenceId, e.toString());
        status = RESP_ERR_UNSPEC;
        size = HDR_SIZE;
      }
    }
    return respond(chain.writer(), status, flags, fenceId, ctxId, ringIdx, size);
  }

  /** Writes the header (the body, if any, is already in {@link #response}) and returns its size. */
  private int respond(Writer out, int type, int flags, long fenceId, int ctxId, int ringIdx,
      int size) {
    if (out.remaining() < size) {
      if (out.remaining() < HDR_SIZE) {
        LOG.debug("no room for a response header: returned unanswered");
        return 0;
      }
      // The driver left too little room for this reply: tell it so rather than truncate.
      type = RESP_ERR_UNSPEC;
      size = HDR_SIZE;
    }
    resp.putInt(HDR_TYPE, type).putInt(HDR_FLAGS, flags).putLong(HDR_FENCE_ID, fenceId)
        .putInt(HDR_CTX_ID, ctxId).putInt(HDR_RING_IDX, ringIdx & 0xFF);
    try {
      out.writeFully(switch (size) {
        case HDR_SIZE -> headerOnly;
        case DISPLAY_INFO_SIZE -> displayInfoReply;
        case EDID_RESPONSE_SIZE -> edidReply;
        case CAPSET_INFO_SIZE -> capsetInfoReply;
        default -> MemorySegment.ofArray(response).asSlice(0, size); // a capset, rarely asked
      });
    } catch (ChainTooShortException e) {
      throw new AssertionError("the room was checked above", e);
    }
    return size;
  }

  // --- display-backed commands -------------------------------------------------------------

  /** Runs a display operation; a failing peer is dropped so the next command does not wait. */
  private boolean withDisplay(DisplayCall call) {
    Display d = display.get();
    try {
      call.run(d);
      return true;
    } catch (IOException e) {
      dropDisplay(d, e);
      return false;
    }
  }

  private void dropDisplay(Display d, IOException e) {
    LOG.warn("display peer failed, continuing without it: {}", e.getMessage());
    if (display.compareAndSet(d, Display.DETACHED) && d instanceof VhostUserGpuDisplay v) {
      v.close();
    }
  }

  @FunctionalInterface
  private interface DisplayCall {
    void run(Display d) throws IOException;
  }

  /** Sizes of the scanouts from the last display info (EDIDs made up for peers without any). */
  private final int[] modeWidth = new int[MAX_SCANOUTS];
  private final int[] modeHeight = new int[MAX_SCANOUTS];

  private int getDisplayInfo() {
    byte[][] info = new byte[1][];
    if (!withDisplay(d -> info[0] = d.displayInfo())) {
      return RESP_ERR_UNSPEC;
    }
    System.arraycopy(info[0], 0, response, HDR_SIZE, Display.PMODES_SIZE);
    for (int i = 0; i < MAX_SCANOUTS; i++) {
      modeWidth[i] = resp.getInt(HDR_SIZE + i * 24 + 8);
      modeHeight[i] = resp.getInt(HDR_SIZE + i * 24 + 12);
    }
    return RESP_OK_DISPLAY_INFO;
  }

  private int getEdid(Reader in) throws ChainTooShortException {
    int scanout = in.readU32();
    in.readU32();
    if (Integer.compareUnsigned(scanout, MAX_SCANOUTS) >= 0) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    byte[][] edid = new byte[1][];
    if (!withDisplay(d -> edid[0] = d.edid(scanout))) {
      return RESP_ERR_UNSPEC;
    }
    if (edid[0] == null) {
      // The peer has no EDID to give (QEMU 7.2): describe the mode it reported.
      int w = modeWidth[scanout] > 0 ? modeWidth[scanout] : 1024;
      int h = modeHeight[scanout] > 0 ? modeHeight[scanout] : 768;
      edid[0] = Edid.forMode(w, h);
    }
    // Always the full 1056-byte structure, whatever size the peer's blob has.
    java.util.Arrays.fill(response, HDR_SIZE, EDID_RESPONSE_SIZE, (byte) 0);
    int n = Math.min(edid[0].length, EDID_MAX);
    resp.putInt(HDR_SIZE, n);
    System.arraycopy(edid[0], 0, response, HDR_SIZE + 8, n);
    return RESP_OK_EDID;
  }

  // --- resources ---------------------------------------------------------------------------

  private int resourceCreate2d(Reader in) throws Exception {
    int id = in.readU32();
    int formatCode = in.readU32();
    long width = Integer.toUnsignedLong(in.readU32());
    long height = Integer.toUnsignedLong(in.readU32());
    if (id == 0 || resources.containsKey(id)) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    PixelFormat format = PixelFormat.of(formatCode);
    if (format == null || width == 0 || height == 0 || width > MAX_DIMENSION
        || height > MAX_DIMENSION) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    long bytes = width * height * BYTES_PER_PIXEL;
    if (resourceBytes + bytes > MAX_RESOURCE_BYTES || resources.size() >= MAX_RESOURCES) {
      return RESP_ERR_OUT_OF_MEMORY;
    }
    if (virgl != null) {
      // TEXTURE_2D, RENDER_TARGET, one level and layer: a 2D image in the renderer.
      if (virgl.resourceCreate(new int[] {id, 2, formatCode, 2, (int) width, (int) height, 1, 1,
          0, 0, 0}) != 0) {
        return RESP_ERR_UNSPEC;
      }
    }
    Resource r = new Resource(id, format, (int) width, (int) height,
        config.mode() == GpuMode.TWO_D);
    r.virgl = virgl != null;
    resources.put(id, r);
    resourceBytes += bytes;
    return RESP_OK_NODATA;
  }

  /** Like QEMU: a resource still shown is taken off its scanouts first. */
  private int resourceUnref(Reader in) throws Exception {
    int id = in.readU32();
    in.readU32();
    Resource r = resources.get(id);
    if (r == null) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    for (int s = 0; s < MAX_SCANOUTS; s++) {
      if ((r.scanoutMask & (1 << s)) != 0) {
        disableScanout(s);
      }
    }
    resources.remove(id);
    resourceBytes -= r.hostBytes();
    if (r.virgl) {
      virgl.resourceUnref(id);
      unpin(r);
    }
    return RESP_OK_NODATA;
  }

  private int attachBacking(Reader in, GuestMemory memory) throws Exception {
    int id = in.readU32();
    long count = Integer.toUnsignedLong(in.readU32());
    Resource r = resources.get(id);
    if (r == null) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (r.hasBacking() || count == 0 || count > MAX_BACKING_ENTRIES) {
      return RESP_ERR_UNSPEC;
    }
    long[] addr = new long[(int) count];
    int[] len = new int[(int) count];
    long total = 0;
    for (int i = 0; i < count; i++) {
      addr[i] = in.readU64();
      len[i] = in.readU32();
      in.readU32();
      try {
        memory.checkRange(addr[i], Integer.toUnsignedLong(len[i]));
      } catch (GuestMemoryException e) {
        LOG.debug("resource {}: backing entry {} is outside guest memory", id, i);
        return RESP_ERR_UNSPEC;
      }
      total += Integer.toUnsignedLong(len[i]);
    }
    if (r.virgl) {
      // virglrenderer reads the pages directly: each entry must be one run of host memory.
      long[] host = new long[(int) count];
      long[] hostLen = new long[(int) count];
      java.util.Set<GuestRegion> under =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (int i = 0; i < count; i++) {
        GuestRegion region = memory.regionOf(addr[i]);
        long n = Integer.toUnsignedLong(len[i]);
        long off = addr[i] - region.guestPhysAddr();
        if (n > region.size() - off) {
          LOG.debug("resource {}: backing entry {} crosses a memory region", id, i);
          return RESP_ERR_UNSPEC;
        }
        host[i] = region.segment().address() + off;
        hostLen[i] = n;
        under.add(region);
      }
      GuestMemory pin = GuestMemory.of(new java.util.ArrayList<>(under));
      if (virgl.attachBacking(id, host, hostLen) != 0) {
        pin.release();
        return RESP_ERR_UNSPEC;
      }
      r.pinned = pin;
      pins.add(pin);
    }
    r.backingAddr = addr;
    r.backingLen = len;
    r.backingSize = total;
    return RESP_OK_NODATA;
  }

  private int detachBacking(Reader in) throws Exception {
    int id = in.readU32();
    in.readU32();
    Resource r = resources.get(id);
    if (r == null) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (!r.hasBacking()) {
      return RESP_ERR_UNSPEC;
    }
    if (r.virgl) {
      virgl.detachBacking(id);
      unpin(r);
    }
    r.backingAddr = null;
    r.backingLen = null;
    r.backingSize = 0;
    return RESP_OK_NODATA;
  }

  private static Rect readRect(Reader in) throws ChainTooShortException {
    return Rect.of(in.readU32(), in.readU32(), in.readU32(), in.readU32());
  }

  /** Copies the rectangle from the backing pages into the host copy, row by row. */
  private int transferToHost2d(Reader in, GuestMemory memory) throws Exception {
    // Plain locals rather than a Rect: this is the hot path and must not allocate.
    long x = Integer.toUnsignedLong(in.readU32());
    long y = Integer.toUnsignedLong(in.readU32());
    long width = Integer.toUnsignedLong(in.readU32());
    long height = Integer.toUnsignedLong(in.readU32());
    long offset = in.readU64();
    int id = in.readU32();
    in.readU32();
    Resource r = resources.get(id);
    if (r == null || !r.hasBacking()) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (x + width > r.width || y + height > r.height || offset < 0) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    if (width == 0 || height == 0) {
      return RESP_OK_NODATA;
    }
    long stride = r.stride();
    long rowBytes = width * BYTES_PER_PIXEL;
    long lastRowEnd = offset + stride * (height - 1) + rowBytes;
    if (lastRowEnd < 0 || lastRowEnd > r.backingSize) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    if (r.virgl) {
      return virgl.transferWrite(id, 0, 0, 0, 0,
          new int[] {(int) x, (int) y, 0, (int) width, (int) height, 1}, offset) == 0
          ? RESP_OK_NODATA : RESP_ERR_UNSPEC;
    }
    if (r.pixels == null) {
      return RESP_OK_NODATA;
    }
    MemorySegment dst = r.pixelSegment;
    try {
      for (long row = 0; row < height; row++) {
        long src = offset + stride * row;
        long to = (y + row) * stride + x * BYTES_PER_PIXEL;
        copyFromBacking(r, memory, src, dst, to, rowBytes);
      }
    } catch (GuestMemoryException e) {
      LOG.debug("resource {}: backing no longer in guest memory: {}", id, e.getMessage());
      return RESP_ERR_UNSPEC;
    }
    return RESP_OK_NODATA;
  }

  /** Copies {@code n} bytes at backing offset {@code src} to {@code dst} at {@code to}. */
  private static void copyFromBacking(Resource r, GuestMemory memory, long src,
      MemorySegment dst, long to, long n) throws GuestMemoryException {
    int entry = 0;
    long entryStart = 0;
    // Find the entry holding src; backing lists are page lists, walked once per row.
    while (entryStart + Integer.toUnsignedLong(r.backingLen[entry]) <= src) {
      entryStart += Integer.toUnsignedLong(r.backingLen[entry]);
      entry++;
    }
    long within = src - entryStart;
    while (n > 0) {
      long entryLeft = Integer.toUnsignedLong(r.backingLen[entry]) - within;
      long gpa = r.backingAddr[entry] + within;
      long chunk = Math.min(n, entryLeft);
      while (chunk > 0) {
        GuestRegion region = memory.regionOf(gpa);
        if (region == null) {
          memory.checkRange(gpa, chunk); // throws: the range is unmapped
          throw new AssertionError("checkRange accepted an unmapped address");
        }
        long off = gpa - region.guestPhysAddr();
        long piece = Math.min(chunk, region.size() - off);
        MemorySegment.copy(region.segment(), off, dst, to, piece);
        gpa += piece;
        to += piece;
        chunk -= piece;
        n -= piece;
        within += piece;
      }
      if (n > 0) {
        entry++;
        within = 0;
      }
    }
  }

  // --- scanouts ----------------------------------------------------------------------------

  /** Checks everything first, then changes state: a refused request leaves the scanout as it was. */
  private int setScanout(Reader in) throws ChainTooShortException {
    Rect rect = readRect(in);
    int scanoutId = in.readU32();
    int resourceId = in.readU32();
    if (Integer.compareUnsigned(scanoutId, MAX_SCANOUTS) >= 0) {
      return RESP_ERR_INVALID_SCANOUT_ID;
    }
    if (resourceId == 0) {
      disableScanout(scanoutId);
      return RESP_OK_NODATA;
    }
    Resource r = resources.get(resourceId);
    if (r == null) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (!rect.within(r.width, r.height) || rect.width() < MIN_SCANOUT
        || rect.height() < MIN_SCANOUT) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    Scanout s = scanouts[scanoutId];
    unbind(scanoutId);
    s.resourceId = resourceId;
    s.rect = rect;
    r.scanoutMask |= 1 << scanoutId;
    int w = (int) rect.width();
    int h = (int) rect.height();
    if (s.shownWidth != w || s.shownHeight != h) {
      // A new size is announced too (the Rust daemon only announces a scanout turning on).
      if (withDisplay(d -> d.scanout(scanoutId, w, h))) {
        s.shownWidth = w;
        s.shownHeight = h;
      }
      s.needsFullUpdate = true;
    }
    return RESP_OK_NODATA;
  }

  private void unbind(int scanoutId) {
    Resource old = resources.get(scanouts[scanoutId].resourceId);
    if (old != null) {
      old.scanoutMask &= ~(1 << scanoutId);
    }
    scanouts[scanoutId].resourceId = 0;
    scanouts[scanoutId].rect = null;
  }

  private void disableScanout(int scanoutId) {
    Scanout s = scanouts[scanoutId];
    boolean wasShown = s.shownWidth != 0;
    unbind(scanoutId);
    s.shownWidth = 0;
    s.shownHeight = 0;
    if (wasShown) {
      withDisplay(d -> d.scanout(scanoutId, 0, 0));
    }
  }

  /** Sends the part of the damaged rectangle each scanout of the resource shows. */
  private int resourceFlush(Reader in) throws Exception {
    Rect rect = readRect(in);
    int id = in.readU32();
    in.readU32();
    Resource r = resources.get(id);
    if (r == null) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (!rect.within(r.width, r.height)) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    if (r.pixels == null && !r.virgl) {
      return RESP_OK_NODATA;
    }
    for (int s = 0; s < MAX_SCANOUTS; s++) {
      if ((r.scanoutMask & (1 << s)) == 0) {
        continue;
      }
      Scanout sc = scanouts[s];
      // A surface the peer just created is blank: fill all of it once.
      Rect damage = sc.needsFullUpdate ? sc.rect : rect.intersect(sc.rect);
      if (damage.isEmpty() || sc.shownWidth == 0) {
        continue;
      }
      int w = (int) damage.width();
      int h = (int) damage.height();
      if (!copyOut(r, damage)) {
        return RESP_ERR_UNSPEC;
      }
      int x = (int) (damage.x() - sc.rect.x());
      int y = (int) (damage.y() - sc.rect.y());
      Display d = display.get();
      try {
        d.update(s, x, y, w, h, frame);
        sc.needsFullUpdate = false;
      } catch (IOException e) {
        dropDisplay(d, e);
      }
    }
    return RESP_OK_NODATA;
  }

  /** Converts the rectangle of the resource into {@link #frame} as tightly packed B, G, R, A. */
  private boolean copyOut(Resource r, Rect damage) throws Exception {
    int w = (int) damage.width();
    int h = (int) damage.height();
    int need = w * h * BYTES_PER_PIXEL;
    if (frame.length < need) {
      frame = new byte[need];
    }
    if (r.virgl) {
      // Read back from the renderer: the damaged rectangle only.
      if (virgl.readPixels(r.id, (int) damage.x(), (int) damage.y(), w, h, frame) != 0) {
        return false;
      }
      if (r.format != null && !r.format.isDisplayNative()) {
        r.format.toBgraInPlace(frame, w * h);
      }
      return true;
    }
    int stride = r.stride();
    boolean native_ = r.format.isDisplayNative();
    for (int row = 0; row < h; row++) {
      int from = (int) ((damage.y() + row) * stride + damage.x() * BYTES_PER_PIXEL);
      int to = row * w * BYTES_PER_PIXEL;
      if (native_) {
        System.arraycopy(r.pixels, from, frame, to, w * BYTES_PER_PIXEL);
      } else {
        r.format.toBgra(r.pixels, from, frame, to, w);
      }
    }
    return true;
  }

  // --- 3D resources (virglrenderer mode) ---------------------------------------------------

  private int resourceCreate3d(Reader in) throws Exception {
    int[] args = new int[11];
    for (int i = 0; i < 11; i++) {
      args[i] = in.readU32();
    }
    in.readU32();
    int id = args[0];
    long w = Integer.toUnsignedLong(args[4]);
    long h = Integer.toUnsignedLong(args[5]);
    long depth = Math.max(1, Integer.toUnsignedLong(args[6]));
    long layers = Math.max(1, Integer.toUnsignedLong(args[7]));
    if (id == 0 || resources.containsKey(id)) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (w == 0 || w > MAX_DIMENSION || h > MAX_DIMENSION || depth > MAX_DIMENSION
        || layers > MAX_DIMENSION) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    long bytes = w * Math.max(1, h) * depth * layers * BYTES_PER_PIXEL;
    if (bytes > MAX_RESOURCE_BYTES || resourceBytes + bytes > MAX_RESOURCE_BYTES
        || resources.size() >= MAX_RESOURCES) {
      return RESP_ERR_OUT_OF_MEMORY;
    }
    if (virgl.resourceCreate(args) != 0) {
      return RESP_ERR_UNSPEC;
    }
    Resource r = new Resource(id, PixelFormat.of(args[2]), (int) w, (int) Math.max(1, h), false);
    r.virgl = true;
    resources.put(id, r);
    resourceBytes += r.hostBytes();
    return RESP_OK_NODATA;
  }

  // --- cursor ------------------------------------------------------------------------------

  private int updateCursor(Reader in) throws Exception {
    int scanoutId = in.readU32();
    int x = in.readU32();
    int y = in.readU32();
    in.readU32();
    int resourceId = in.readU32();
    int hotX = in.readU32();
    int hotY = in.readU32();
    in.readU32();
    if (Integer.compareUnsigned(scanoutId, MAX_SCANOUTS) >= 0) {
      return RESP_ERR_INVALID_SCANOUT_ID;
    }
    if (resourceId == 0) {
      return withDisplay(d -> d.cursorMove(scanoutId, x, y, false))
          ? RESP_OK_NODATA : RESP_ERR_UNSPEC;
    }
    Resource r = resources.get(resourceId);
    if (r == null) {
      return RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (r.width != CURSOR_SIZE || r.height != CURSOR_SIZE) {
      return RESP_ERR_INVALID_PARAMETER;
    }
    if (r.virgl) {
      if (virgl.readPixels(resourceId, 0, 0, CURSOR_SIZE, CURSOR_SIZE, cursorImage) != 0) {
        return RESP_ERR_UNSPEC;
      }
      if (r.format != null) {
        r.format.toBgraInPlace(cursorImage, CURSOR_SIZE * CURSOR_SIZE);
      }
    } else if (r.pixels == null) {
      return RESP_OK_NODATA;
    } else {
      r.format.toBgra(r.pixels, 0, cursorImage, 0, CURSOR_SIZE * CURSOR_SIZE);
    }
    // A cursor the display did not take is an error, as in the Rust daemon.
    return withDisplay(d -> d.cursorUpdate(scanoutId, x, y, hotX, hotY, cursorImage))
        ? RESP_OK_NODATA : RESP_ERR_UNSPEC;
  }

  private int moveCursor(Reader in) throws ChainTooShortException {
    int scanoutId = in.readU32();
    int x = in.readU32();
    int y = in.readU32();
    in.readU32();
    int resourceId = in.readU32();
    in.skip(12);
    if (Integer.compareUnsigned(scanoutId, MAX_SCANOUTS) >= 0) {
      return RESP_ERR_INVALID_SCANOUT_ID;
    }
    return withDisplay(d -> d.cursorMove(scanoutId, x, y, resourceId != 0))
        ? RESP_OK_NODATA : RESP_ERR_UNSPEC;
  }
}
