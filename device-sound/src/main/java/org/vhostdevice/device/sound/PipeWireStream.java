// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.device.sound.PipeWire.Calls;

/**
 * One {@code pw_stream} for a PCM stream, created at PREPARE with the stream's real format. Its
 * {@code process} event is an FFM upcall run on PipeWire's loop thread: playback copies queued
 * frames into the buffer PipeWire hands out and pads with silence when the guest's queue runs
 * dry (the seed left stale audio there); capture copies what PipeWire delivers into the
 * stream's ring. Both only touch the ring under the stream's lock and report progress through
 * {@link PcmStream#advance}. An upcall must never throw (it would end the JVM), so every
 * failure there is caught and logged.
 */
final class PipeWireStream {
  private static final Logger LOG = LoggerFactory.getLogger(PipeWireStream.class);

  private final PcmStream stream;
  private final PcmParams params;
  private final Arena arena = Arena.ofShared();
  private MemorySegment handle = MemorySegment.NULL;
  private long failures;

  /** Unconnected (tests of the process logic use it as is). */
  PipeWireStream(PcmStream stream, PcmParams params) {
    this.stream = stream;
    this.params = params;
  }

  /** Creates and connects (inactive) a stream; the caller holds the thread-loop lock. */
  static PipeWireStream connect(MemorySegment loop, PcmStream s, PcmParams p, String remote)
      throws AudioIoException {
    PipeWireStream w = new PipeWireStream(s, p);
    try {
      w.create(loop, remote);
      return w;
    } catch (AudioIoException | RuntimeException e) {
      w.destroy();
      throw e;
    }
  }

  private void create(MemorySegment loop, String remote) throws AudioIoException {
    try {
      MemorySegment events = arena.allocate(PipeWire.EVENTS_SIZE, 8);
      events.set(JAVA_INT, 0, PipeWire.EVENTS_VERSION);
      MemorySegment process = PipeWire.LINKER.upcallStub(
          MethodHandles.lookup().findVirtual(PipeWireStream.class, "onProcess",
              MethodType.methodType(void.class, MemorySegment.class)).bindTo(this),
          FunctionDescriptor.ofVoid(ADDRESS), arena);
      events.set(ADDRESS, PipeWire.EVENTS_PROCESS, process);
      boolean out = stream.isOutput();
      String props = "media.type=Audio media.category=" + (out ? "Playback" : "Capture")
          + " media.role=Music" + (remote == null ? "" : " remote.name=" + remote);
      MemorySegment pwLoop = (MemorySegment) Calls.LOOP_GET.invokeExact(loop);
      MemorySegment properties = (MemorySegment) Calls.PROPS.invokeExact(
          arena.allocateFrom(props));
      handle = (MemorySegment) Calls.STREAM_NEW.invokeExact(pwLoop,
          arena.allocateFrom(out ? "audio-output" : "audio-input"), properties, events,
          MemorySegment.NULL);
      if (handle.equals(MemorySegment.NULL)) {
        throw new AudioIoException("pw_stream_new_simple failed (is PipeWire running?)");
      }
      byte[] pod = SpaFormat.enumFormat(params);
      MemorySegment podSeg = arena.allocate(pod.length, 8);
      podSeg.copyFrom(MemorySegment.ofArray(pod));
      MemorySegment paramList = arena.allocateFrom(ADDRESS, podSeg);
      int flags = PipeWire.FLAG_AUTOCONNECT | PipeWire.FLAG_INACTIVE | PipeWire.FLAG_MAP_BUFFERS;
      PipeWire.check("pw_stream_connect", (int) Calls.CONNECT.invokeExact(handle,
          out ? PipeWire.DIRECTION_OUTPUT : PipeWire.DIRECTION_INPUT, PipeWire.ID_ANY, flags,
          paramList, 1));
    } catch (AudioIoException e) {
      throw e;
    } catch (Throwable t) {
      throw PipeWire.unexpected(t);
    }
  }

  /** The caller holds the thread-loop lock. */
  void setActive(boolean active) throws AudioIoException {
    try {
      PipeWire.check("pw_stream_set_active",
          (int) Calls.SET_ACTIVE.invokeExact(handle, active));
    } catch (AudioIoException e) {
      throw e;
    } catch (Throwable t) {
      throw PipeWire.unexpected(t);
    }
  }

  /** Disconnects and frees the stream, then its upcall; the caller holds the loop lock. */
  void destroy() {
    try {
      if (!handle.equals(MemorySegment.NULL)) {
        Calls.DESTROY.invokeExact(handle);
        handle = MemorySegment.NULL;
      }
    } catch (Throwable t) {
      throw PipeWire.unexpected(t);
    } finally {
      arena.close(); // no process event can run any more: the stream is gone
    }
  }

  /** The {@code process} event (upcall, PipeWire's thread). */
  @SuppressWarnings("unused")
  private void onProcess(MemorySegment data) {
    try {
      MemorySegment b = (MemorySegment) Calls.DEQUEUE.invokeExact(handle);
      if (b.equals(MemorySegment.NULL)) {
        return;
      }
      b = b.reinterpret(PipeWire.PW_BUFFER_SIZE);
      try {
        MemorySegment spa = b.get(ADDRESS, 0).reinterpret(PipeWire.SPA_BUFFER_SIZE);
        if (spa.get(JAVA_INT, PipeWire.SPA_BUFFER_N_DATAS) > 0) {
          MemorySegment d = spa.get(ADDRESS, PipeWire.SPA_BUFFER_DATAS)
              .reinterpret(PipeWire.SPA_DATA_SIZE);
          MemorySegment ptr = d.get(ADDRESS, PipeWire.SPA_DATA_DATA);
          MemorySegment chunk = d.get(ADDRESS, PipeWire.SPA_DATA_CHUNK)
              .reinterpret(PipeWire.SPA_CHUNK_SIZE);
          long max = Integer.toUnsignedLong(d.get(JAVA_INT, PipeWire.SPA_DATA_MAXSIZE));
          if (!ptr.equals(MemorySegment.NULL)) {
            MemorySegment mem = ptr.reinterpret(max);
            if (stream.isOutput()) {
              play(mem, chunk, b.get(JAVA_LONG, PipeWire.PW_BUFFER_REQUESTED));
            } else {
              capture(mem, chunk);
            }
          }
        }
      } finally {
        int ignored = (int) Calls.QUEUE.invokeExact(handle, b);
      }
    } catch (Throwable t) {
      if (failures++ % 1000 == 0) {
        LOG.error("sound: PipeWire process event of stream {} failed: {}", stream.id,
            t.toString());
      }
    }
  }

  /** Fills a playback buffer: queued frames first, then silence; sets the chunk. */
  void play(MemorySegment mem, MemorySegment chunk, long requestedFrames) {
    int frame = params.frameBytes();
    long want = mem.byteSize();
    if (requestedFrames > 0) {
      want = Math.min(want, requestedFrames * frame);
    }
    want -= want % frame;
    long copied = 0;
    stream.lock.lock();
    try {
      int gen = stream.generation();
      while (copied < want && stream.state() == PcmState.START) {
        MemorySegment c = stream.nextChunk(want - copied);
        if (c == null) {
          break;
        }
        MemorySegment.copy(c, 0, mem, copied, c.byteSize());
        copied += c.byteSize();
        stream.advance(gen, c.byteSize());
      }
    } finally {
      stream.lock.unlock();
    }
    if (copied < want) {
      mem.asSlice(copied, want - copied).fill(VirtioSnd.silence(params.format()));
    }
    chunk.set(JAVA_INT, PipeWire.CHUNK_OFFSET, 0);
    chunk.set(JAVA_INT, PipeWire.CHUNK_SIZE, (int) want);
    chunk.set(JAVA_INT, PipeWire.CHUNK_STRIDE, frame);
  }

  /** Takes the valid part of a capture buffer into the queued requests. */
  void capture(MemorySegment mem, MemorySegment chunk) {
    long off = Integer.toUnsignedLong(chunk.get(JAVA_INT, PipeWire.CHUNK_OFFSET));
    long size = Integer.toUnsignedLong(chunk.get(JAVA_INT, PipeWire.CHUNK_SIZE));
    if (off >= mem.byteSize()) {
      return;
    }
    size = Math.min(size, mem.byteSize() - off);
    long done = 0;
    stream.lock.lock();
    try {
      int gen = stream.generation();
      while (done < size && stream.state() == PcmState.START) {
        MemorySegment c = stream.nextChunk(size - done);
        if (c == null) {
          break; // no request waiting: the frames are dropped, as a full card would
        }
        MemorySegment.copy(mem, off + done, c, 0, c.byteSize());
        done += c.byteSize();
        stream.advance(gen, c.byteSize());
      }
    } finally {
      stream.lock.unlock();
    }
  }
}
