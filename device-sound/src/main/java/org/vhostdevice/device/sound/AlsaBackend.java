// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/**
 * ALSA: one host PCM per stream (on "default" in the daemon), re-opened by SET_PARAMS with a
 * period of about 100 ms (rate/10 frames) and a buffer of two periods, as the Rust daemon sizes
 * them. While a stream runs, a thread of its own ({@link AlsaStreamWorker}) moves frames between
 * the stream's ring and the PCM and recovers from xruns.
 */
final class AlsaBackend implements AudioBackend {
  private final HostPcmOpener opener;
  private final HostPcm[] pcms = new HostPcm[2];
  private final AlsaStreamWorker[] workers = new AlsaStreamWorker[2];

  AlsaBackend(HostPcmOpener opener) {
    this.opener = opener;
  }

  static long periodFrames(PcmParams p) {
    return Math.max(1, p.rateHz() / 10);
  }

  /** Opens and configures a PCM for the parameters, closing the previous one. */
  private void open(PcmStream s, PcmParams p) throws AudioIoException {
    close(s);
    HostPcm pcm = opener.open(s.direction);
    try {
      long period = periodFrames(p);
      pcm.configure(p, period, 2 * period);
    } catch (AudioIoException | RuntimeException e) {
      pcm.close();
      throw e;
    }
    pcms[s.id] = pcm;
  }

  private HostPcm pcm(PcmStream s) throws AudioIoException {
    if (pcms[s.id] == null) {
      open(s, s.params()); // PREPARE without SET_PARAMS: the default parameters
    }
    return pcms[s.id];
  }

  @Override
  public void setParams(PcmStream s, PcmParams p) throws SoundException {
    open(s, p);
  }

  @Override
  public void prepare(PcmStream s) throws SoundException {
    pcm(s).prepare();
  }

  @Override
  public void start(PcmStream s) throws SoundException {
    HostPcm pcm = pcm(s);
    pcm.start();
    if (workers[s.id] == null) {
      workers[s.id] = AlsaStreamWorker.start(s, pcm);
    }
  }

  @Override
  public void stop(PcmStream s) {
    stopWorker(s);
    if (pcms[s.id] != null) {
      pcms[s.id].drop();
    }
  }

  @Override
  public void release(PcmStream s) {
    stop(s);
  }

  @Override
  public void close(PcmStream s) {
    stopWorker(s);
    if (pcms[s.id] != null) {
      pcms[s.id].close();
      pcms[s.id] = null;
    }
  }

  private void stopWorker(PcmStream s) {
    AlsaStreamWorker w = workers[s.id];
    if (w != null) {
      workers[s.id] = null;
      w.shutdown();
    }
  }

  /** For tests: whether the stream has a running thread. */
  boolean workerRunning(int stream) {
    return workers[stream] != null;
  }
}
