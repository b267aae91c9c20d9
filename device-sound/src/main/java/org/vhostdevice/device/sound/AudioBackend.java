// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/**
 * A host audio system behind the PCM streams of one device (one per frontend connection). The
 * device checks the state machine and the parameters before calling in, updates the stream's
 * state, and owns the request queues; a backend opens and drives host PCMs and moves frames
 * through {@link PcmStream#nextChunk}/{@link PcmStream#advance}.
 *
 * <p>All methods run on the queue worker. A failure becomes the request's status.
 */
interface AudioBackend {
  /** New parameters (already validated) for a stream; re-opens host resources as needed. */
  void setParams(PcmStream stream, PcmParams params) throws SoundException;

  void prepare(PcmStream stream) throws SoundException;

  /** The stream's state is already START when this is called. */
  void start(PcmStream stream) throws SoundException;

  /** The stream's state is already STOP when this is called. */
  void stop(PcmStream stream) throws SoundException;

  /** The stream's requests were flushed; host resources may be kept for a later PREPARE. */
  void release(PcmStream stream) throws SoundException;

  /**
   * Called on the worker after the stream's queue was served. Backends without a thread of their
   * own move frames here; the answer is the delay in ns after which they want to be called again
   * (-1: only when the guest queues more).
   */
  default long service(PcmStream stream, long nowNanos) {
    return -1;
  }

  /** Frees every host resource of the stream: its queue or the connection went away. */
  void close(PcmStream stream);
}
