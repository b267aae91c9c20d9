// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.InvalidRingException;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * One pass over the request queue: every available request is popped, parsed and checked, then
 * the batch is carried out with SPI_IOC_MESSAGE ioctls and every request is completed.
 *
 * <p>As in the Rust daemon the batch is all-or-nothing: if any request is malformed or asks for
 * something the controller cannot do, nothing is transferred. Those requests get PARAM_ERR; the
 * others get TRANS_ERR, because they were not transferred (Rust reports TRANS_OK for them).
 *
 * <p>Data goes straight between guest memory and the kernel when a request's TX (or RX) bytes
 * sit in one piece of guest memory; only scattered buffers go through a bounce buffer, which is
 * allocated once and grows up to {@link #MAX_BOUNCE} bytes per batch. The per-request state is
 * kept in arrays sized to the queue, so a warm device allocates nothing per request.
 */
final class SpiBatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SpiBatch.class);
  /** Bounce space a batch may use for scattered buffers. */
  static final long MAX_BOUNCE = 1 << 20;
  private static final byte PENDING = -1;

  private final VirtioSpiConfig config;
  private final Lock busLock;
  private final int capacity;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment transfers;
  private MemorySegment bounce;

  private final DescriptorChain[] chains;
  private final byte[] status;
  private final int[] txLen;
  private final int[] rxLen;
  /** Guest address of the data if direct, else -1 - (offset into the bounce buffer). */
  private final long[] txAddr;
  private final long[] rxAddr;
  private final long[] writable;
  private final byte[] chipSelect;
  private final byte[] bitsPerWord;
  private final byte[] csChange;
  private final byte[] txNbits;
  private final byte[] rxNbits;
  private final int[] mode;
  private final int[] freq;
  private final int[] wordDelayNs;
  private final int[] csHoldNs;
  private long problems;

  SpiBatch(VirtioSpiConfig config, Lock busLock, int capacity) {
    this.config = config;
    this.busLock = busLock;
    this.capacity = capacity;
    this.transfers = arena.allocate((long) SpiIoc.TRANSFER_SIZE * capacity, 8);
    this.bounce = arena.allocate(4096, 8);
    chains = new DescriptorChain[capacity];
    status = new byte[capacity];
    txLen = new int[capacity];
    rxLen = new int[capacity];
    txAddr = new long[capacity];
    rxAddr = new long[capacity];
    writable = new long[capacity];
    chipSelect = new byte[capacity];
    bitsPerWord = new byte[capacity];
    csChange = new byte[capacity];
    txNbits = new byte[capacity];
    rxNbits = new byte[capacity];
    mode = new int[capacity];
    freq = new int[capacity];
    wordDelayNs = new int[capacity];
    csHoldNs = new int[capacity];
  }

  /** Serves every available request of {@code vq}; {@code dev} null means the spidev is gone. */
  void run(VirtQueue vq, SpidevOps dev) throws InvalidRingException {
    while (true) {
      int n = 0;
      while (n < capacity) {
        if (chains[n] == null) {
          chains[n] = new DescriptorChain();
        }
        if (!vq.pop(chains[n])) {
          break;
        }
        parse(n);
        n++;
      }
      if (n == 0) {
        return;
      }
      boolean allGood = true;
      for (int i = 0; i < n; i++) {
        allGood &= status[i] == PENDING;
      }
      if (allGood) {
        allGood = stageBounce(n);
      }
      if (allGood && dev != null) {
        execute(dev, n);
      }
      complete(vq, n);
      if (n < capacity) {
        return;
      }
    }
  }

  private void parse(int i) {
    DescriptorChain chain = chains[i];
    status[i] = PENDING;
    long readable = chain.readableBytes();
    writable[i] = chain.writableBytes();
    txLen[i] = 0;
    rxLen[i] = 0;
    if (readable < SpiTransferHead.SIZE || writable[i] < SpiTransferHead.RESULT_SIZE) {
      reject(i, "request with " + readable + " readable and " + writable[i] + " writable bytes");
      return;
    }
    long tx = readable - SpiTransferHead.SIZE;
    long rx = writable[i] - SpiTransferHead.RESULT_SIZE;
    if (tx != 0 && rx != 0 && tx != rx) {
      reject(i, "TX length " + tx + " and RX length " + rx + " don't match");
      return;
    }
    if (tx == 0 && rx == 0) {
      reject(i, "TX length and RX length are both zero");
      return;
    }
    if (Math.max(tx, rx) > 0xFFFF_FFFFL) {
      reject(i, "transfer of " + Math.max(tx, rx) + " bytes");
      return;
    }
    Reader r = chain.reader();
    try {
      chipSelect[i] = (byte) r.readU8();
      bitsPerWord[i] = (byte) r.readU8();
      csChange[i] = (byte) r.readU8();
      txNbits[i] = (byte) r.readU8();
      rxNbits[i] = (byte) r.readU8();
      r.skip(3);
      mode[i] = r.readU32();
      freq[i] = r.readU32();
      wordDelayNs[i] = r.readU32();
      r.readU32(); // cs_setup_ns: spidev has no such setting
      csHoldNs[i] = r.readU32();
      r.readU32(); // cs_change_delay_inactive_ns: likewise
    } catch (ChainTooShortException e) {
      reject(i, e.getMessage()); // cannot happen: readable was checked
      return;
    }
    txLen[i] = (int) tx;
    rxLen[i] = (int) rx;
    txAddr[i] = tx == 0 ? 0 : direct(chain, false, SpiTransferHead.SIZE, tx);
    rxAddr[i] = rx == 0 ? 0 : direct(chain, true, 0, rx);
    if (!SpiTransferHead.supported(config, Byte.toUnsignedInt(chipSelect[i]),
        Byte.toUnsignedInt(bitsPerWord[i]), Byte.toUnsignedInt(txNbits[i]),
        Byte.toUnsignedInt(rxNbits[i]), mode[i], freq[i])) {
      status[i] = SpiTransferHead.VIRTIO_SPI_PARAM_ERR;
    }
  }

  /**
   * The host address of {@code len} bytes at offset {@code skip} of the chain's readable (or
   * writable) part if one descriptor inside one natively mapped region holds them all, else 0
   * (the bytes go through the bounce buffer). Walks the descriptors the core already validated.
   */
  private static long direct(DescriptorChain chain, boolean writable, long skip, long len) {
    long off = skip;
    for (int d = 0; d < chain.descriptorCount(); d++) {
      if (chain.descriptorWritable(d) != writable) {
        continue;
      }
      long dlen = Integer.toUnsignedLong(chain.descriptorLen(d));
      if (off >= dlen) {
        off -= dlen;
        continue;
      }
      if (dlen - off < len) {
        return 0;
      }
      long gpa = chain.descriptorAddr(d) + off;
      GuestRegion region = chain.memory().regionOf(gpa);
      if (region == null || !region.segment().isNative()
          || Long.compareUnsigned(gpa + len - 1, region.lastAddr()) > 0) {
        return 0;
      }
      return region.segment().address() + (gpa - region.guestPhysAddr());
    }
    return 0;
  }

  private void reject(int i, String why) {
    status[i] = SpiTransferHead.VIRTIO_SPI_PARAM_ERR;
    if (problems++ % 1000 == 0) {
      LOG.warn("spi: malformed request answered PARAM_ERR ({} so far): {}", problems, why);
    }
  }

  /** Copies scattered TX data into the bounce buffer and reserves room for scattered RX data. */
  private boolean stageBounce(int n) {
    long need = 0;
    for (int i = 0; i < n; i++) {
      need += txLen[i] != 0 && txAddr[i] == 0 ? txLen[i] : 0;
      need += rxLen[i] != 0 && rxAddr[i] == 0 ? rxLen[i] : 0;
    }
    if (need > MAX_BOUNCE) {
      if (problems++ % 1000 == 0) {
        LOG.warn("spi: batch needs {} bytes of bounce buffer for scattered data, limit {}: "
            + "not transferred", need, MAX_BOUNCE);
      }
      return false;
    }
    if (need > bounce.byteSize()) {
      bounce = arena.allocate(Math.min(MAX_BOUNCE, Math.max(need, bounce.byteSize() * 2)), 8);
    }
    long off = 0;
    for (int i = 0; i < n; i++) {
      if (txLen[i] != 0 && txAddr[i] == 0) {
        MemorySegment slice = bounce.asSlice(off, txLen[i]);
        chains[i].reader().read(slice);
        txAddr[i] = slice.address();
        off += txLen[i];
      }
      if (rxLen[i] != 0 && rxAddr[i] == 0) {
        rxAddr[i] = -1 - off; // resolved to an address in execute, copied back in complete
        off += rxLen[i];
      }
    }
    return true;
  }

  private long rxNative(int i) {
    return rxAddr[i] < 0 ? bounce.address() + (-1 - rxAddr[i]) : rxAddr[i];
  }

  /**
   * Runs the batch: consecutive requests with the same mode share one SPI_IOC_MESSAGE (Rust
   * applies the last request's mode to all); the spidev's own mode is restored afterwards. The
   * bus lock keeps other guests on the same spidev out between the mode change and the restore.
   */
  private void execute(SpidevOps dev, int n) {
    busLock.lock();
    try {
      int saved;
      try {
        saved = dev.mode();
      } catch (IOException e) {
        transferFailed(e);
        return;
      }
      int current = saved;
      int start = 0;
      try {
        while (start < n) {
          int want = modeFor(saved, start);
          int end = start + 1;
          while (end < n && end - start < SpiIoc.MAX_TRANSFERS_PER_MESSAGE
              && modeFor(saved, end) == want) {
            end++;
          }
          for (int i = start; i < end; i++) {
            fillTransfer(i - start, i);
          }
          if (want != current) {
            dev.setMode(want);
            current = want;
          }
          dev.message(transfers, end - start);
          for (int i = start; i < end; i++) {
            status[i] = SpiTransferHead.VIRTIO_SPI_TRANS_OK;
          }
          start = end;
        }
      } catch (IOException e) {
        transferFailed(e); // requests from 'start' on stay PENDING and get TRANS_ERR
      } finally {
        if (current != saved) {
          try {
            dev.setMode(saved);
          } catch (IOException e) {
            LOG.warn("spi: could not restore the spidev mode 0x{}: {}",
                Integer.toHexString(saved), e.getMessage());
          }
        }
      }
    } finally {
      busLock.unlock();
    }
  }

  private int modeFor(int saved, int i) {
    return SpiTransferHead.spidevMode(saved, mode[i], Byte.toUnsignedInt(txNbits[i]),
        Byte.toUnsignedInt(rxNbits[i]));
  }

  private void transferFailed(IOException e) {
    if (problems++ % 1000 == 0) {
      LOG.warn("spi: transfer failed ({} problems so far): {}", problems, e.getMessage());
    }
  }

  private void fillTransfer(int slot, int i) {
    long base = (long) slot * SpiIoc.TRANSFER_SIZE;
    transfers.set(JAVA_LONG, base + SpiIoc.XFER_TX_BUF, txLen[i] == 0 ? 0 : txAddr[i]);
    transfers.set(JAVA_LONG, base + SpiIoc.XFER_RX_BUF, rxLen[i] == 0 ? 0 : rxNative(i));
    transfers.set(JAVA_INT, base + SpiIoc.XFER_LEN, Math.max(txLen[i], rxLen[i]));
    transfers.set(JAVA_INT, base + SpiIoc.XFER_SPEED_HZ, freq[i]);
    // Saturate rather than truncate as Rust does: 70 ms must not become 4.5 ms.
    long holdUs = Integer.toUnsignedLong(csHoldNs[i]) / 1000;
    long wordUs = Integer.toUnsignedLong(wordDelayNs[i]) / 1000;
    transfers.set(JAVA_SHORT, base + SpiIoc.XFER_DELAY_USECS, (short) Math.min(holdUs, 0xFFFF));
    transfers.set(JAVA_BYTE, base + SpiIoc.XFER_BITS_PER_WORD, bitsPerWord[i]);
    transfers.set(JAVA_BYTE, base + SpiIoc.XFER_CS_CHANGE, csChange[i]);
    transfers.set(JAVA_BYTE, base + SpiIoc.XFER_TX_NBITS, txNbits[i]);
    transfers.set(JAVA_BYTE, base + SpiIoc.XFER_RX_NBITS, rxNbits[i]);
    transfers.set(JAVA_BYTE, base + SpiIoc.XFER_WORD_DELAY_USECS, (byte) Math.min(wordUs, 0xFF));
    transfers.set(JAVA_BYTE, base + SpiIoc.XFER_PAD, (byte) 0);
  }

  /**
   * Writes each request's RX data (from the bounce buffer if it went there) and its result at
   * the last writable byte (Rust puts TRANS_ERR at the first one), and returns it to the guest.
   */
  private void complete(VirtQueue vq, int n) throws InvalidRingException {
    for (int i = 0; i < n; i++) {
      if (status[i] == PENDING) {
        status[i] = SpiTransferHead.VIRTIO_SPI_TRANS_ERR;
      }
      int used = 0;
      if (writable[i] >= SpiTransferHead.RESULT_SIZE) {
        Writer w = chains[i].writer();
        try {
          long rx = writable[i] - SpiTransferHead.RESULT_SIZE;
          if (status[i] == SpiTransferHead.VIRTIO_SPI_TRANS_OK && rxLen[i] != 0 && rxAddr[i] < 0) {
            w.writeFully(bounce.asSlice(-1 - rxAddr[i], rxLen[i]));
          } else {
            w.skip(rx);
          }
          w.writeU8(status[i]);
          used = (int) Math.min(writable[i], Integer.MAX_VALUE);
        } catch (ChainTooShortException e) {
          used = 0; // cannot happen: the sizes were measured at pop
        }
      }
      vq.addUsed(chains[i], used);
    }
  }

  @Override
  public void close() {
    arena.close();
  }
}
