// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.lang.foreign.MemorySegment;
import org.vhostdevice.device.sound.PipeWire.Calls;

/**
 * PipeWire: one thread loop per connection ("Pipewire thread loop", as in the Rust daemon) and
 * one {@code pw_stream} per prepared PCM stream, created at PREPARE with the negotiated format
 * (the seed always asked for S16LE), started and stopped with {@code pw_stream_set_active},
 * destroyed at RELEASE. Every call into PipeWire holds the thread-loop lock.
 */
final class PipeWireBackend implements AudioBackend {
  private MemorySegment loop = MemorySegment.NULL;
  private final PipeWireStream[] pw = new PipeWireStream[2];
  /** The PipeWire daemon to connect to; null for the client default (pipewire-0). */
  private final String remote;

  PipeWireBackend() {
    this(null);
  }

  PipeWireBackend(String remote) {
    this.remote = remote;
  }

  private void ensureLoop() throws AudioIoException {
    if (!loop.equals(MemorySegment.NULL)) {
      return;
    }
    try {
      MemorySegment l = (MemorySegment) Calls.LOOP_NEW.invokeExact(
          java.lang.foreign.Arena.global().allocateFrom("Pipewire thread loop"),
          MemorySegment.NULL);
      if (l.equals(MemorySegment.NULL)) {
        throw new AudioIoException("pw_thread_loop_new failed");
      }
      int r = (int) Calls.LOOP_START.invokeExact(l);
      if (r < 0) {
        Calls.LOOP_DESTROY.invokeExact(l);
        PipeWire.check("pw_thread_loop_start", r);
      }
      loop = l;
    } catch (AudioIoException e) {
      throw e;
    } catch (Throwable t) {
      throw PipeWire.unexpected(t);
    }
  }

  private void lock() {
    try {
      Calls.LOCK.invokeExact(loop);
    } catch (Throwable t) {
      throw PipeWire.unexpected(t);
    }
  }

  private void unlock() {
    try {
      Calls.UNLOCK.invokeExact(loop);
    } catch (Throwable t) {
      throw PipeWire.unexpected(t);
    }
  }

  @Override
  public void setParams(PcmStream s, PcmParams p) {
    // Stored by the device; the stream is (re)created with them at PREPARE.
  }

  @Override
  public void prepare(PcmStream s) throws SoundException {
    ensureLoop();
    lock();
    try {
      destroyStream(s);
      pw[s.id] = PipeWireStream.connect(loop, s, s.params(), remote);
    } finally {
      unlock();
    }
  }

  @Override
  public void start(PcmStream s) throws SoundException {
    if (pw[s.id] == null) {
      prepare(s);
    }
    lock();
    try {
      pw[s.id].setActive(true);
    } finally {
      unlock();
    }
  }

  @Override
  public void stop(PcmStream s) throws SoundException {
    if (pw[s.id] == null) {
      return;
    }
    lock();
    try {
      pw[s.id].setActive(false);
    } finally {
      unlock();
    }
  }

  @Override
  public void release(PcmStream s) {
    if (loop.equals(MemorySegment.NULL)) {
      return;
    }
    lock();
    try {
      destroyStream(s);
    } finally {
      unlock();
    }
  }

  private void destroyStream(PcmStream s) {
    if (pw[s.id] != null) {
      PipeWireStream old = pw[s.id];
      pw[s.id] = null;
      old.destroy();
    }
  }

  /** Frees the stream; with no stream left, the thread loop too. */
  @Override
  public void close(PcmStream s) {
    release(s);
    if (!loop.equals(MemorySegment.NULL) && pw[0] == null && pw[1] == null) {
      try {
        Calls.LOOP_STOP.invokeExact(loop);
        Calls.LOOP_DESTROY.invokeExact(loop);
      } catch (Throwable t) {
        throw PipeWire.unexpected(t);
      } finally {
        loop = MemorySegment.NULL;
      }
    }
  }

  /** For tests: whether the backend holds a thread loop. */
  boolean hasLoop() {
    return !loop.equals(MemorySegment.NULL);
  }
}
