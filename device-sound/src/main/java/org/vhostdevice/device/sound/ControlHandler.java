// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.vhostdevice.device.sound.VirtioSnd.*;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.Writer;

/**
 * The control queue: information queries and PCM commands. Every request that leaves room for a
 * status gets one, whatever is wrong with it; the Rust daemon instead stopped its worker on a
 * malformed request and panicked on state errors in PREPARE/START/STOP.
 */
final class ControlHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ControlHandler.class);

  private final PcmStream[] streams;
  private final AudioBackend backend;
  private long refused;

  ControlHandler(PcmStream[] streams, AudioBackend backend) {
    this.streams = streams;
    this.backend = backend;
  }

  /** Answers one control request; returns the used length (0 if no status fits). */
  int handle(DescriptorChain chain) {
    if (chain.writableBytes() < HDR_SIZE) {
      complain("control request with {} writable bytes: no room for a status, returned unused",
          chain.writableBytes());
      return 0;
    }
    Reader in = chain.reader();
    Writer out = chain.writer();
    int code = -1;
    try {
      if (chain.readableBytes() < HDR_SIZE) {
        throw new BadRequestException("control request without a header");
      }
      code = in.readU32();
      return switch (code) {
        case R_PCM_INFO -> pcmInfo(chain, in, out);
        case R_CHMAP_INFO -> chmapInfo(chain, in, out);
        case R_JACK_INFO -> jackInfo(chain, in, out);
        case R_JACK_REMAP -> throw new UnsupportedParamsException("jack remapping (no jacks)");
        case R_PCM_SET_PARAMS -> setParams(chain, in, out);
        case R_PCM_PREPARE, R_PCM_RELEASE, R_PCM_START, R_PCM_STOP -> command(code, chain, in, out);
        default -> throw new UnsupportedParamsException(requestName(code));
      };
    } catch (SoundException e) {
      complain("{}: {}", requestName(code), e.getMessage());
      return status(out, e.status());
    } catch (ChainTooShortException e) {
      complain("{}: {}", requestName(code), e.getMessage());
      return status(out, S_BAD_MSG);
    }
  }

  private void complain(String format, Object... args) {
    // A guest can send these in a loop: warn for the first and then every thousandth.
    if (refused++ % 1000 == 0) {
      LOG.warn("sound: " + format, args);
    } else {
      LOG.debug("sound: " + format, args);
    }
  }

  private static int status(Writer out, int status) {
    try {
      out.writeU32(status);
    } catch (ChainTooShortException e) {
      throw new AssertionError("checked writable >= 4", e);
    }
    return HDR_SIZE;
  }

  /** The query body: items {@code [start, start+count)} of {@code total}; -1 as BAD_MSG. */
  private static int[] query(DescriptorChain chain, Reader in, Writer out, int total, int itemSize)
      throws SoundException, ChainTooShortException {
    if (chain.readableBytes() < QUERY_INFO_SIZE) {
      throw new BadRequestException("query of " + chain.readableBytes() + " bytes");
    }
    long start = Integer.toUnsignedLong(in.readU32());
    long count = Integer.toUnsignedLong(in.readU32());
    in.readU32(); // size: the item size is fixed by the spec, as in the Rust daemon
    if (total <= start || total < start + count) {
      throw new BadRequestException("items " + start + "+" + count + " of " + total);
    }
    if (chain.writableBytes() < HDR_SIZE + count * itemSize) {
      throw new BadRequestException(count + " items do not fit in " + chain.writableBytes()
          + " writable bytes");
    }
    out.writeU32(S_OK);
    return new int[] {(int) start, (int) count};
  }

  private int pcmInfo(DescriptorChain chain, Reader in, Writer out)
      throws SoundException, ChainTooShortException {
    int[] q = query(chain, in, out, streams.length, PCM_INFO_SIZE);
    for (int i = q[0]; i < q[0] + q[1]; i++) {
      PcmStream s = streams[i];
      out.writeU32(0); // hda_fn_nid
      out.writeU32(0); // features: none offered
      out.writeU64(SUPPORTED_FORMATS);
      out.writeU64(SUPPORTED_RATES);
      out.writeU8(s.direction);
      out.writeU8(CHANNELS_MIN);
      out.writeU8(CHANNELS_MAX);
      out.skip(PCM_INFO_SIZE - PCM_INFO_CHANNELS_MAX - 1);
    }
    return HDR_SIZE + q[1] * PCM_INFO_SIZE;
  }

  /** One channel map per stream: front left and right (the config says so too: chmaps = 2). */
  private int chmapInfo(DescriptorChain chain, Reader in, Writer out)
      throws SoundException, ChainTooShortException {
    int[] q = query(chain, in, out, streams.length, CHMAP_INFO_SIZE);
    for (int i = q[0]; i < q[0] + q[1]; i++) {
      out.writeU32(0); // hda_fn_nid
      out.writeU8(streams[i].direction);
      out.writeU8(2);
      out.writeU8(CHMAP_FL);
      out.writeU8(CHMAP_FR);
      for (int p = 2; p < CHMAP_MAX_SIZE; p++) {
        out.writeU8(CHMAP_NONE);
      }
    }
    return HDR_SIZE + q[1] * CHMAP_INFO_SIZE;
  }

  private int jackInfo(DescriptorChain chain, Reader in, Writer out)
      throws SoundException, ChainTooShortException {
    query(chain, in, out, 0, JACK_INFO_SIZE); // no jacks: always BAD_MSG, as in the Rust daemon
    return HDR_SIZE;
  }

  private PcmStream stream(DescriptorChain chain, Reader in, int bodySize)
      throws SoundException, ChainTooShortException {
    if (chain.readableBytes() < bodySize) {
      throw new BadRequestException("request of " + chain.readableBytes() + " bytes, expected "
          + bodySize);
    }
    long id = Integer.toUnsignedLong(in.readU32());
    if (id >= streams.length) {
      throw new BadRequestException("Guest requested an invalid stream id: " + id);
    }
    return streams[(int) id];
  }

  private int setParams(DescriptorChain chain, Reader in, Writer out)
      throws SoundException, ChainTooShortException {
    PcmStream s = stream(chain, in, SET_PARAMS_SIZE);
    int buffer = in.readU32();
    int period = in.readU32();
    int features = in.readU32();
    int channels = in.readU8();
    int format = in.readU8();
    int rate = in.readU8();
    PcmState before = s.state();
    if (!before.canEnter(PcmState.SET_PARAMS)) {
      throw new InvalidTransitionException(before, PcmState.SET_PARAMS);
    }
    PcmParams p = PcmParams.validate(buffer, period, features, channels, format, rate);
    backend.setParams(s, p);
    s.enter(PcmState.SET_PARAMS);
    s.flush(); // data queued under the old parameters is returned as it is
    s.setParams(p);
    return status(out, S_OK);
  }

  private int command(int code, DescriptorChain chain, Reader in, Writer out)
      throws SoundException, ChainTooShortException {
    PcmStream s = stream(chain, in, PCM_HDR_SIZE);
    PcmState before = s.state();
    switch (code) {
      case R_PCM_PREPARE -> {
        before.enter(PcmState.PREPARE);
        backend.prepare(s);
        s.enter(PcmState.PREPARE);
      }
      case R_PCM_START -> {
        s.enter(PcmState.START);
        try {
          backend.start(s);
        } catch (SoundException e) {
          s.restore(before);
          throw e;
        }
      }
      case R_PCM_STOP -> {
        s.enter(PcmState.STOP);
        backend.stop(s);
      }
      case R_PCM_RELEASE -> {
        s.enter(PcmState.RELEASE);
        s.flush();
        backend.release(s);
      }
      default -> throw new AssertionError(code);
    }
    return status(out, S_OK);
  }
}
