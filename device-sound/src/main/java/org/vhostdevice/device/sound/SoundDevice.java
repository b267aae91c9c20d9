// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.vhostdevice.device.sound.VirtioSnd.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.InvalidRingException;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * virtio-snd (device ID 25): no jacks, two PCM streams (0 output, 1 input), one channel map per
 * stream, no controls; queues control, event, TX, RX. All four queues share one worker, as in the
 * Rust daemon, so control commands and I/O are serialised; a backend thread only touches a
 * stream under its lock and wakes the data queue, whose next batch completes the requests.
 */
public final class SoundDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(SoundDevice.class);

  private final AudioBackend backend;
  private final LongSupplier clock;
  private final PcmStream[] streams = {
    new PcmStream(0, D_OUTPUT), new PcmStream(1, D_INPUT)
  };
  private final ControlHandler control;
  private final DescriptorChain chain = new DescriptorChain();
  /** virtio_snd_pcm_status scratch for completions; worker thread only. */
  private final MemorySegment status = Arena.ofAuto().allocate(PCM_STATUS_SIZE, 8);
  private VirtQueue completing;
  private final PcmStream.Completion completion = this::complete;
  private long refused;

  /** @param clock monotonic nanoseconds ({@code System::nanoTime} outside tests) */
  SoundDevice(AudioBackend backend, LongSupplier clock) {
    this.backend = backend;
    this.clock = clock;
    this.control = new ControlHandler(streams, backend);
  }

  PcmStream stream(int id) {
    return streams[id];
  }

  @Override
  public String name() {
    return "sound";
  }

  @Override
  public int deviceType() {
    return DEVICE_ID;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY;
  }

  @Override
  public int numQueues() {
    return NUM_QUEUES;
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
    putLe32(config, CONFIG_JACKS, 0);
    putLe32(config, CONFIG_STREAMS, streams.length);
    // The Rust daemon says 1 here but serves two channel maps; the count matches what we serve.
    putLe32(config, CONFIG_CHMAPS, streams.length);
    putLe32(config, CONFIG_CONTROLS, 0);
    System.arraycopy(config, offset, dst, 0, dst.length);
  }

  /** The configuration is read-only; a write is ignored rather than failing the frontend. */
  @Override
  public void writeConfig(int offset, byte[] data) {
    LOG.debug("sound: ignored a write of {} config bytes at {}", data.length, offset);
  }

  private static void putLe32(byte[] b, int off, int v) {
    for (int i = 0; i < 4; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  private PcmStream streamOfQueue(int queue) {
    return queue == TX_QUEUE ? streams[0] : queue == RX_QUEUE ? streams[1] : null;
  }

  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    PcmStream s = streamOfQueue(queue);
    if (s != null) {
      s.setWaker(vq::wake);
    } else if (queue == CONTROL_QUEUE) {
      reopenStreams();
    }
  }

  /**
   * The control queue restarts after a stop (a paused or migrated VM): its stop closed the host
   * PCMs, so streams the guest still believes prepared or running get them back.
   */
  private void reopenStreams() {
    for (PcmStream s : streams) {
      PcmState state = s.state();
      if (!state.acceptsIo()) {
        continue;
      }
      try {
        backend.setParams(s, s.params());
        backend.prepare(s);
        if (state == PcmState.START) {
          backend.start(s);
        }
      } catch (SoundException e) {
        LOG.warn("sound: stream {} could not be reopened in {}: {}", s.id, state, e.getMessage());
        s.flush(); // its queued requests come back rather than wait for a PCM that is gone
      }
    }
  }

  @Override
  public void queueStopped(int queue) {
    PcmStream s = streamOfQueue(queue);
    if (s != null) {
      s.setWaker(null);
      s.dropAll();
    } else if (queue == CONTROL_QUEUE) {
      // Also what a disconnect looks like: free every host PCM and thread of this connection.
      for (PcmStream p : streams) {
        backend.close(p);
      }
    }
  }

  @Override
  public void reset() {
    for (PcmStream s : streams) {
      backend.close(s);
      s.reset();
    }
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    switch (queue) {
      case CONTROL_QUEUE -> {
        DescriptorChain c;
        while ((c = vq.pop()) != null) {
          vq.addUsed(c, control.handle(c));
        }
      }
      case TX_QUEUE, RX_QUEUE -> handleIo(streamOfQueue(queue), vq);
      default -> {
        // Event queue: buffers wait for events (none are generated: no jacks, no xrun reports).
      }
    }
  }

  private void handleIo(PcmStream s, VirtQueue vq) throws InvalidRingException {
    completing = vq;
    try {
      boolean progress = true;
      long retry = -1;
      while (progress) {
        progress = s.completeDone(completion) > 0;
        progress |= popRequests(s, vq);
        retry = backend.service(s, clock.getAsLong());
        progress |= s.completeDone(completion) > 0;
      }
      if (retry >= 0) {
        vq.retryAfter(retry);
      }
    } finally {
      completing = null;
    }
  }

  /** Queues new I/O requests on the stream; false if none was taken (or answered). */
  private boolean popRequests(PcmStream s, VirtQueue vq) throws InvalidRingException {
    boolean popped = false;
    while (vq.pop(chain)) {
      if (chain.writableBytes() < PCM_STATUS_SIZE) {
        complain("I/O request with {} writable bytes: no room for a status, returned unused",
            chain.writableBytes());
        vq.addUsed(chain, 0);
        continue;
      }
      int bad = check(s, chain);
      if (bad != 0) {
        answerNow(vq, bad);
        continue;
      }
      int len = (int) (s.isOutput() ? chain.readableBytes() - XFER_SIZE
          : chain.writableBytes() - PCM_STATUS_SIZE);
      int fit = s.admit(len);
      if (fit > 0) {
        vq.undoPop(); // the ring is full: wait for completions, which wake this queue
        return popped;
      }
      popped = true;
      if (fit < 0) {
        complain("stream {}: {} bytes in one request exceed the {}-byte buffer", s.id, len,
            s.params().bufferBytes());
        answerNow(vq, S_BAD_MSG);
        continue;
      }
      IoRequest r = s.reserve(chain.head(), len);
      r.captureWritable(chain);
      if (s.isOutput()) {
        s.fill(r, chain.reader()); // check() read the stream id: the frames come next
      }
      s.publish(r);
    }
    return popped;
  }

  /** The status an I/O request must be refused with, or 0 if it may be queued. */
  private int check(PcmStream s, DescriptorChain c) {
    if (c.readableBytes() < XFER_SIZE) {
      complain("I/O request without a stream id");
      return S_BAD_MSG;
    }
    long id;
    try {
      id = Integer.toUnsignedLong(c.reader().readU32());
    } catch (ChainTooShortException e) {
      return S_BAD_MSG;
    }
    if (id != s.id) {
      complain("{} request for stream {} on the queue of stream {}",
          s.isOutput() ? "TX" : "RX", id, s.id);
      return S_BAD_MSG;
    }
    PcmState state = s.state();
    if (!state.acceptsIo()) {
      complain("stream {}: I/O in state {}", s.id, state);
      return S_BAD_MSG;
    }
    long payload = s.isOutput() ? c.readableBytes() - XFER_SIZE
        : c.writableBytes() - PCM_STATUS_SIZE;
    if (payload > PcmParams.MAX_BUFFER_BYTES) {
      complain("stream {}: {} bytes in one request exceed any buffer", s.id, payload);
      return S_BAD_MSG;
    }
    if (payload % s.params().frameBytes() != 0) {
      complain("stream {}: {} bytes is not a whole number of frames", s.id, payload);
      return S_BAD_MSG;
    }
    return 0;
  }

  private void answerNow(VirtQueue vq, int code) throws InvalidRingException {
    Writer w = chain.writer();
    try {
      w.skip(chain.writableBytes() - PCM_STATUS_SIZE);
      w.writeU32(code);
      w.writeU32(0);
    } catch (ChainTooShortException e) {
      throw new AssertionError("checked writable >= 8", e);
    }
    vq.addUsed(chain, PCM_STATUS_SIZE);
  }

  /** Writes the frames and status of a request the backend is done with, and returns it. */
  private void complete(IoRequest r, MemorySegment a, MemorySegment b)
      throws InvalidRingException {
    VirtQueue vq = completing;
    boolean output = vq.index() == TX_QUEUE;
    int used;
    try {
      if (output) {
        // Like the Rust daemon: latency_bytes is the request's payload, nothing is written back.
        PcmStream.putStatus(status, S_OK, r.len);
        used = PCM_STATUS_SIZE;
      } else {
        PcmStream.copyCaptured(vq.memory(), r, a, b);
        PcmStream.putStatus(status, S_OK, r.filled);
        used = PCM_STATUS_SIZE + r.filled;
      }
      r.writeAt(vq.memory(), r.writableLen - PCM_STATUS_SIZE, status);
    } catch (GuestMemoryException e) {
      complain("request {} points outside guest memory: {}", r.head, e.getMessage());
      used = 0;
    }
    vq.addUsed(r.head, used);
  }

  private void complain(String format, Object... args) {
    if (refused++ % 1000 == 0) {
      LOG.warn("sound: " + format, args);
    } else {
      LOG.debug("sound: " + format, args);
    }
  }
}
