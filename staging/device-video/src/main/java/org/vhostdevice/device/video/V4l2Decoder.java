// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.vhostdevice.device.video.V4l2.*;
import static org.vhostdevice.device.video.VideoProtocol.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;

/**
 * The {@code v4l2-decoder} backend: a V4L2 stateful mem2mem decoder, one device open per stream.
 * The virtio INPUT queue (bitstream) is V4L2 OUTPUT_MPLANE, the virtio OUTPUT queue (frames) is
 * CAPTURE_MPLANE; guest pages are handed to the driver as USERPTR buffers. One poll thread per
 * backend watches every streaming device (epoll) and turns finished buffers and V4L2 events into
 * {@link Sink} calls.
 */
public final class V4l2Decoder implements VideoBackend {
  private static final Logger LOG = LoggerFactory.getLogger(V4l2Decoder.class);
  private static final long STOP_TOKEN = 0;
  /** Capability replies stay well inside max_caps_length with these bounds. */
  static final int MAX_FRAME_SIZES = 8;
  static final int MAX_RATES = 8;
  static final int MIN_BUFFERS = 1;
  static final int MAX_BUFFERS = 32;

  /** Per-stream V4L2 state; the id arrays map V4L2 buffer indices to resource ids. */
  static final class DecStream {
    final Stream stream;
    final V4l2Device dev;
    final long token;
    volatile int[] inputIds = new int[0];
    volatile int[] outputIds = new int[0];
    volatile boolean inStreaming;
    volatile boolean outStreaming;
    volatile boolean subscribed;
    boolean watched;

    DecStream(Stream stream, V4l2Device dev, long token) {
      this.stream = stream;
      this.dev = dev;
      this.token = token;
    }
  }

  private final V4l2Device.Opener opener;
  private final Map<Long, DecStream> watched = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<DecStream> rescan = new ConcurrentLinkedQueue<>();
  private final AtomicLong tokens = new AtomicLong(1);
  private Sink sink;
  private Epoll epoll;
  private EventFd wakeup;
  private Thread poller;
  private volatile boolean running;

  public V4l2Decoder(V4l2Device.Opener opener) {
    this.opener = opener;
  }

  @Override
  public void start(Sink sink) throws IOException {
    this.sink = sink;
    epoll = Epoll.create(64);
    wakeup = EventFd.create();
    epoll.add(wakeup.fd(), Epoll.EPOLLIN, STOP_TOKEN);
    running = true;
    poller = Thread.ofPlatform().name("video-v4l2-poll").daemon().start(this::pollLoop);
  }

  private void pollLoop() {
    try {
      while (running) {
        int n = epoll.await(-1);
        for (int i = 0; i < n; i++) {
          long token = epoll.token(i);
          if (token == STOP_TOKEN) {
            wakeup.read();
            DecStream d;
            while ((d = rescan.poll()) != null) {
              service(d);
            }
          } else {
            DecStream d = watched.get(token);
            if (d != null) {
              service(d);
            }
          }
        }
      }
    } catch (IOException e) {
      if (running) {
        LOG.error("V4L2 poll loop failed: {}", e.getMessage());
      }
    }
  }

  /** Dequeues everything a device has ready (edge-triggered: until it says none). */
  void service(DecStream d) {
    int id = d.stream.id;
    if (d.stream.state == Stream.State.DESTROYED) {
      return;
    }
    try {
      V4l2Device.Dequeued b;
      while (d.inStreaming && (b = d.dev.dequeueBuffer(BUF_TYPE_VIDEO_OUTPUT_MPLANE)) != null) {
        report(d, QUEUE_TYPE_INPUT, d.inputIds, b);
      }
      while (d.outStreaming && (b = d.dev.dequeueBuffer(BUF_TYPE_VIDEO_CAPTURE_MPLANE)) != null) {
        report(d, QUEUE_TYPE_OUTPUT, d.outputIds, b);
      }
      int ev;
      while (d.subscribed && (ev = d.dev.dequeueEvent()) >= 0) {
        if (ev == EVENT_SOURCE_CHANGE) {
          sink.event(EVENT_DECODER_RESOLUTION_CHANGED, id);
        } else if (ev == V4l2.EVENT_EOS && d.stream.state == Stream.State.DRAINING) {
          d.stream.state = Stream.State.STOPPED;
        }
      }
    } catch (IOException | RuntimeException e) {
      if (d.stream.state == Stream.State.DESTROYED) {
        return; // destroyed under our feet: nothing to report
      }
      LOG.warn("stream {}: {}", id, e.toString());
      sink.event(EVENT_ERROR, id);
      unwatch(d);
    }
  }

  private void report(DecStream d, int queueType, int[] ids, V4l2Device.Dequeued b) {
    if (b.index() < 0 || b.index() >= ids.length) {
      LOG.warn("stream {}: V4L2 returned unknown buffer {}", d.stream.id, b.index());
      return;
    }
    int flags = 0;
    if ((b.flags() & BUF_FLAG_ERROR) != 0) {
      flags |= BUFFER_FLAG_ERR;
    }
    if ((b.flags() & BUF_FLAG_LAST) != 0) {
      flags |= BUFFER_FLAG_EOS;
      if (d.stream.state == Stream.State.DRAINING) {
        d.stream.state = Stream.State.STOPPED;
      }
    }
    if ((b.flags() & BUF_FLAG_KEYFRAME) != 0) {
      flags |= 4;
    }
    if ((b.flags() & BUF_FLAG_PFRAME) != 0) {
      flags |= 8;
    }
    if ((b.flags() & BUF_FLAG_BFRAME) != 0) {
      flags |= 16;
    }
    sink.resourceDone(d.stream.id, queueType, ids[b.index()], b.timestampNs(), flags,
        b.bytesUsed());
  }

  private void watch(DecStream d) throws IOException {
    if (!d.watched) {
      watched.put(d.token, d);
      epoll.add(d.dev.pollFd(), d.dev.pollEvents(), d.token);
      d.watched = true;
    }
  }

  private void unwatch(DecStream d) {
    if (watched.remove(d.token) != null) {
      try {
        epoll.remove(d.dev.pollFd());
      } catch (IOException e) {
        LOG.debug("stream {}: {}", d.stream.id, e.getMessage());
      }
    }
  }

  private static int bufType(int queueType) {
    return queueType == QUEUE_TYPE_INPUT ? BUF_TYPE_VIDEO_OUTPUT_MPLANE
        : BUF_TYPE_VIDEO_CAPTURE_MPLANE;
  }

  private static DecStream dec(Stream s) {
    return (DecStream) s.backendData;
  }

  private static VideoException failed(IOException e) {
    return new VideoException(RESP_ERR_INVALID_OPERATION, e.getMessage());
  }

  @Override
  public List<FormatDesc> queryCapability(int queueType) throws VideoException {
    try (V4l2Device dev = opener.open()) {
      List<Integer> mine = formats(dev, bufType(queueType));
      int others = formats(dev, bufType(queueType == QUEUE_TYPE_INPUT ? QUEUE_TYPE_OUTPUT
          : QUEUE_TYPE_INPUT)).size();
      long mask = others >= 64 ? -1L : (1L << others) - 1;
      List<FormatDesc> out = new ArrayList<>();
      for (int fourcc : mine) {
        List<FormatDesc.Frame> frames = new ArrayList<>();
        V4l2Device.Stepwise size;
        for (int i = 0; i < MAX_FRAME_SIZES && (size = dev.enumFrameSize(fourcc, i)) != null;
            i++) {
          List<FormatDesc.Range> rates = new ArrayList<>();
          V4l2Device.Stepwise iv;
          for (int j = 0; j < MAX_RATES
              && (iv = dev.enumFrameInterval(fourcc, size.max1(), size.max2(), j)) != null; j++) {
            // interval num/den seconds -> rate den/num frames per second
            int min = iv.max1() == 0 ? 0 : iv.max2() / iv.max1();
            int max = iv.min1() == 0 ? 0 : iv.min2() / iv.min1();
            rates.add(new FormatDesc.Range(min, max, 1));
          }
          frames.add(new FormatDesc.Frame(
              new FormatDesc.Range(size.min1(), size.max1(), size.step1()),
              new FormatDesc.Range(size.min2(), size.max2(), size.step2()), rates));
        }
        out.add(new FormatDesc(mask, V4l2.toVirtio(fourcc), 0, 1, frames));
      }
      return out;
    } catch (IOException e) {
      throw failed(e);
    }
  }

  private static List<Integer> formats(V4l2Device dev, int bufType) throws IOException {
    List<Integer> out = new ArrayList<>();
    int fourcc;
    for (int i = 0; i < 64 && (fourcc = dev.enumFormat(bufType, i)) != 0; i++) {
      if (V4l2.toVirtio(fourcc) != 0) {
        out.add(fourcc);
      }
    }
    return out;
  }

  @Override
  public void createStream(Stream stream) throws VideoException {
    V4l2Device dev;
    try {
      dev = opener.open();
    } catch (IOException e) {
      throw failed(e);
    }
    try {
      int caps = dev.capabilities();
      if ((caps & CAP_VIDEO_M2M_MPLANE) == 0 || (caps & CAP_STREAMING) == 0) {
        throw new VideoException(RESP_ERR_INVALID_OPERATION,
            "not a multiplanar mem2mem streaming device");
      }
    } catch (IOException e) {
      dev.close();
      throw failed(e);
    } catch (VideoException e) {
      dev.close();
      throw e;
    }
    stream.backendData = new DecStream(stream, dev, tokens.getAndIncrement());
  }

  @Override
  public void destroyStream(Stream stream) {
    DecStream d = dec(stream);
    if (d == null) {
      return;
    }
    unwatch(d);
    try {
      if (d.inStreaming) {
        d.inStreaming = false;
        d.dev.streamOff(BUF_TYPE_VIDEO_OUTPUT_MPLANE);
      }
      if (d.outStreaming) {
        d.outStreaming = false;
        d.dev.streamOff(BUF_TYPE_VIDEO_CAPTURE_MPLANE);
      }
    } catch (IOException e) {
      LOG.debug("stream {}: {}", stream.id, e.getMessage());
    }
    d.dev.close();
    stream.backendData = null;
  }

  @Override
  public void drain(Stream stream) throws VideoException {
    DecStream d = dec(stream);
    if (!d.inStreaming) {
      return;
    }
    try {
      d.dev.decoderCommand(DEC_CMD_STOP);
      stream.state = Stream.State.DRAINING;
    } catch (IOException e) {
      throw failed(e);
    }
  }

  @Override
  public void createResource(Stream stream, Resource resource) throws VideoException {
    if (resource.numPlanes != 1) {
      throw new VideoException(RESP_ERR_INVALID_PARAMETER, "only single-plane resources");
    }
  }

  @Override
  public void queueResource(Stream stream, Resource r, GuestMemory memory, long timestamp,
      int[] dataSizes, int numDataSizes) throws VideoException {
    DecStream d = dec(stream);
    int qt = r.queueType;
    if (stream.memType(qt) != MEM_TYPE_GUEST_PAGES) {
      throw new VideoException(RESP_ERR_INVALID_OPERATION, "virtio objects are not supported");
    }
    if (numDataSizes != r.numPlanes) {
      throw new VideoException(RESP_ERR_INVALID_PARAMETER,
          numDataSizes + " data sizes for " + r.numPlanes + " planes");
    }
    long host = hostAddress(memory, r);
    int bufType = bufType(qt);
    try {
      if (r.backendIndex < 0 && stream.allFresh(qt)) {
        allocate(d, stream, qt);
      }
      if (r.backendIndex < 0) {
        throw new VideoException(RESP_ERR_INVALID_PARAMETER,
            "resource " + r.id + " has no V4L2 buffer (created after the queue was set up)");
      }
      d.dev.queueBuffer(bufType, r.backendIndex, host, (int) r.length(),
          qt == QUEUE_TYPE_INPUT ? dataSizes[0] : 0, timestamp);
      if (!d.subscribed) {
        d.dev.subscribeEvent(EVENT_SOURCE_CHANGE);
        d.dev.subscribeEvent(V4l2.EVENT_EOS);
        d.subscribed = true;
      }
      watch(d);
      boolean streaming = qt == QUEUE_TYPE_INPUT ? d.inStreaming : d.outStreaming;
      if (!streaming) {
        d.dev.streamOn(bufType);
        if (qt == QUEUE_TYPE_INPUT) {
          d.inStreaming = true;
        } else {
          d.outStreaming = true;
        }
        stream.state = Stream.State.STREAMING;
        // The device may have finished something before the flag was visible to the poller.
        rescan.add(d);
        wakeup.signal();
      }
    } catch (IOException e) {
      throw failed(e);
    }
  }

  private void allocate(DecStream d, Stream stream, int qt) throws IOException {
    List<Resource> all = new ArrayList<>(stream.resources(qt).values());
    int granted = d.dev.requestBuffers(bufType(qt), all.size());
    int n = Math.min(granted, all.size());
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      all.get(i).backendIndex = i;
      ids[i] = all.get(i).id;
    }
    if (qt == QUEUE_TYPE_INPUT) {
      d.inputIds = ids;
    } else {
      d.outputIds = ids;
    }
  }

  /** USERPTR needs one host-contiguous range: the entries must be guest-contiguous. */
  private static long hostAddress(GuestMemory memory, Resource r) throws VideoException {
    for (int i = 1; i < r.entryAddr.length; i++) {
      if (r.entryAddr[i] != r.entryAddr[i - 1] + (r.entryLen[i - 1] & 0xFFFF_FFFFL)) {
        throw new VideoException(RESP_ERR_INVALID_PARAMETER,
            "resource " + r.id + " is not guest-contiguous");
      }
    }
    try {
      return memory.slice(r.entryAddr[0], r.length()).address();
    } catch (GuestMemoryException e) {
      throw new VideoException(RESP_ERR_INVALID_PARAMETER, e.getMessage());
    }
  }

  @Override
  public void destroyResources(Stream stream, int queueType) throws VideoException {
    clearQueue(stream, queueType);
    DecStream d = dec(stream);
    try {
      d.dev.requestBuffers(bufType(queueType), 0);
    } catch (IOException e) {
      throw failed(e);
    }
    if (queueType == QUEUE_TYPE_INPUT) {
      d.inputIds = new int[0];
    } else {
      d.outputIds = new int[0];
    }
  }

  @Override
  public void clearQueue(Stream stream, int queueType) throws VideoException {
    DecStream d = dec(stream);
    boolean streaming = queueType == QUEUE_TYPE_INPUT ? d.inStreaming : d.outStreaming;
    if (!streaming) {
      return;
    }
    if (queueType == QUEUE_TYPE_INPUT) {
      d.inStreaming = false;
    } else {
      d.outStreaming = false;
    }
    try {
      d.dev.streamOff(bufType(queueType));
    } catch (IOException e) {
      throw failed(e);
    }
  }

  @Override
  public Params getParams(Stream stream, int queueType) throws VideoException {
    DecStream d = dec(stream);
    int bt = bufType(queueType);
    try {
      V4l2Device.PixFormat f = d.dev.getFormat(bt);
      Params p = new Params();
      p.queueType = queueType;
      p.format = V4l2.toVirtio(f.fourcc());
      p.frameWidth = f.width();
      p.frameHeight = f.height();
      p.minBuffers = MIN_BUFFERS;
      p.maxBuffers = MAX_BUFFERS;
      p.numPlanes = f.numPlanes();
      for (int i = 0; i < f.numPlanes(); i++) {
        p.planeSize[i] = f.sizeImage()[i];
        p.stride[i] = f.bytesPerLine()[i];
      }
      int[] crop;
      try {
        crop = d.dev.getSelection(bt, queueType == QUEUE_TYPE_OUTPUT ? SEL_TGT_COMPOSE
            : SEL_TGT_CROP);
      } catch (IOException e) {
        crop = new int[] {0, 0, f.width(), f.height()};
      }
      p.cropLeft = crop[0];
      p.cropTop = crop[1];
      p.cropWidth = crop[2];
      p.cropHeight = crop[3];
      p.resourceType = stream.memType(queueType);
      return p;
    } catch (IOException e) {
      throw failed(e);
    }
  }

  @Override
  public void setParams(Stream stream, Params p) throws VideoException {
    int fourcc = V4l2.toFourcc(p.format);
    if (fourcc == 0) {
      throw new VideoException(RESP_ERR_INVALID_PARAMETER, "format " + p.format);
    }
    int n = Math.max(1, p.numPlanes);
    int[] size = java.util.Arrays.copyOf(p.planeSize, n);
    int[] stride = java.util.Arrays.copyOf(p.stride, n);
    try {
      dec(stream).dev.setFormat(bufType(p.queueType),
          new V4l2Device.PixFormat(p.frameWidth, p.frameHeight, fourcc, n, size, stride));
    } catch (IOException e) {
      throw failed(e);
    }
  }

  @Override
  public int queryControl(int control, int format) throws VideoException {
    try (V4l2Device dev = opener.open()) {
      return dev.queryControlDefault(V4l2.controlId(control));
    } catch (IOException e) {
      throw new VideoException(RESP_ERR_UNSUPPORTED_CONTROL, e.getMessage());
    }
  }

  @Override
  public void close() {
    running = false;
    if (wakeup != null) {
      try {
        wakeup.signal();
      } catch (IOException e) {
        LOG.debug("wakeup: {}", e.getMessage());
      }
      try {
        poller.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (DecStream d : watched.values()) {
        unwatch(d);
      }
      epoll.close();
      wakeup.close();
    }
  }
}
